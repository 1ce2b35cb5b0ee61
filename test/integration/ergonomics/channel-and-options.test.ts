import { describe, expect, it } from 'vitest';
import { ChannelLimitError, ConfigurationError, connect, type ConnectOptions } from 'warren';
import { amqpUrl, evalErlang, listConnections, uniqueName } from '../../helpers/broker.js';
import { connection, queue } from '../messaging/fixture.js';

/** The heartbeat timeout (seconds) the broker runs for the connection named `name`. */
async function brokerHeartbeat(name: string): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const c = (await listConnections()).find((x) => x.connectionName === name);
    if (c) {
      const printed = await evalErlang(`proplists:get_value(timeout, rabbit_networking:connection_info(list_to_pid("${c.pid}"), [timeout]))`);
      return Number(printed);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the broker never listed connection ${name}`);
}

describe('connection.channel({ ... }) opens a channel ready for use', () => {
  it('prefetch and confirm in one call', async () => {
    const conn = await connection();
    const ch = await conn.channel({ prefetch: 3, confirm: { maxUnconfirmed: 100 } });
    expect(ch.confirmMode).toBe(true);
    const q = await queue(ch);
    await Promise.all(Array.from({ length: 10 }, (_, i) => ch.sendToQueue(q, String(i)))); // resolved by confirms
    const consumer = await ch.consume(q);
    const held = [];
    for (let i = 0; i < 3; i++) held.push((await consumer.receive({ timeout: 5000 }))!);
    expect(await consumer.receive({ timeout: 300 })).toBeNull(); // prefetch 3: no fourth before an ack
    held[0]!.ack();
    expect((await consumer.receive({ timeout: 5000 }))?.text()).toBe('3');
  });

  it('a chosen channel number; a taken one is ChannelLimitError and the connection goes on', async () => {
    const conn = await connection();
    const ch = await conn.channel({ id: 42 });
    expect(ch.id).toBe(42);
    await expect(conn.channel({ id: 42 })).rejects.toBeInstanceOf(ChannelLimitError);
    await expect(conn.channel({ id: 70_000 })).rejects.toBeInstanceOf(ChannelLimitError);
    await ch.close();
    const again = await conn.channel({ id: 42 });
    expect(again.id).toBe(42);
    expect((await conn.channel()).id).not.toBe(42);
    expect(conn.isOpen).toBe(true);
  });
});

describe('heartbeat: 0 and heartbeat: false', () => {
  it('0 takes the server\'s value (RabbitMQ negotiation); false turns heartbeats off on both sides', async () => {
    const takeServers = uniqueName('hb-zero');
    const off = uniqueName('hb-off');
    const a = await connect(amqpUrl(), { heartbeat: 0, connectionName: takeServers });
    const b = await connect(amqpUrl(), { heartbeat: false, connectionName: off });
    try {
      expect(a.tune.heartbeat).toBeGreaterThan(0); // the test broker proposes 60
      expect(await brokerHeartbeat(takeServers)).toBe(a.tune.heartbeat);
      expect(b.tune.heartbeat).toBe(0);
      expect(await brokerHeartbeat(off)).toBe(0); // the broker accepted tune-ok's 0
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('a host:port where a URL or options object belongs is a ConfigurationError, never a connection failure', () => {
  it('as hostname, as the URL, and as the options argument', async () => {
    const port = new URL(amqpUrl()).port;
    await expect(connect({ hostname: `127.0.0.1:${port}` })).rejects.toThrow(ConfigurationError);
    await expect(connect({ hostname: `127.0.0.1:${port}` })).rejects.toThrow(/pass \{ hostname: '127\.0\.0\.1', port: \d+ \}/);
    await expect(connect(`localhost:${port}`)).rejects.toThrow(/is a host:port, not a URL: write amqp:\/\/localhost/);
    await expect(connect(amqpUrl(), `localhost:${port}` as unknown as ConnectOptions)).rejects.toThrow(ConfigurationError);
    await expect(connect({ hostname: amqpUrl() })).rejects.toThrow(/hostname is a URL/);
    // What the messages suggest works.
    const c = await connect({ hostname: '127.0.0.1', port: Number(port) });
    await c.close();
    const d = await connect(`amqp://127.0.0.1:${port}`);
    await d.close();
  });
});
