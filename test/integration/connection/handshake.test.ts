/**
 * Connecting to the real broker: negotiated settings, every URL form and the options object,
 * client properties, SASL mechanisms, and each way a connect fails, with its typed error.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AccessRefusedError, AuthMechanismError, ConnectTimeoutError, ConnectionLostError, NotAllowedError, connect, type Connection, type SaslMechanism } from 'warren';
import { addUser, addVhost, amqpUrl, deleteUser, deleteVhost, uniqueName, withCredentials } from '../../helpers/broker.js';
import { closedPort, settingsOf, settingsOfAll } from '../../helpers/broker-extra.js';
import { startProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';

const open: Connection[] = [];
async function track(c: Promise<Connection>): Promise<Connection> {
  const conn = await c;
  open.push(conn);
  return conn;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

const url = () => new URL(amqpUrl());
const hostPort = () => `${url().hostname}:${url().port}`;

describe('handshake', () => {
  it('server properties and the default tune: frame_max 131072, channel_max 2047, heartbeat 60', async () => {
    const conn = await track(connect(amqpUrl()));
    expect(conn.isOpen).toBe(true);
    expect(conn.serverProperties.product).toBe('RabbitMQ');
    expect(conn.serverProperties.capabilities).toMatchObject({ 'connection.blocked': true, authentication_failure_close: true });
    expect(conn.tune).toEqual({ frameMax: 131072, channelMax: 2047, heartbeat: 60 });
  });

  it('connection name and client properties with every capability, as the broker sees them', async () => {
    const name = uniqueName('conn');
    await track(connect(amqpUrl(), { connectionName: name }));
    const seen = await settingsOf(name);
    expect(seen.capabilities).toEqual({
      publisher_confirms: true,
      exchange_exchange_bindings: true,
      'basic.nack': true,
      consumer_cancel_notify: true,
      'connection.blocked': true,
      authentication_failure_close: true,
      per_consumer_qos: true,
      direct_reply_to: true,
    });
    expect([seen.user, seen.vhost, seen.authMechanism, seen.frameMax, seen.channelMax, seen.timeout]).toEqual(['guest', '/', 'PLAIN', 131072, 2047, 60]);
  });
});

describe('URL forms and the options object', () => {
  const vhost = uniqueName('/vh'); // a leading "/": only reachable as %2F in a URL
  beforeAll(() => addVhost(vhost));
  afterAll(() => deleteVhost(vhost));

  it('query parameters: heartbeat, frame_max, channel_max, connection_timeout, auth_mechanism, name', async () => {
    const name = uniqueName('q');
    const conn = await track(connect(`amqp://guest:guest@${hostPort()}/?heartbeat=7&frame_max=16384&channel_max=10&connection_timeout=5000&auth_mechanism=AMQPLAIN&connection_name=${name}`));
    expect(conn.tune).toEqual({ frameMax: 16384, channelMax: 10, heartbeat: 7 });
    const seen = await settingsOf(name);
    expect([seen.authMechanism, seen.frameMax, seen.channelMax, seen.timeout, seen.vhost]).toEqual(['AMQPLAIN', 16384, 10, 7, '/']);
  });

  it('the same settings as an options object', async () => {
    const name = uniqueName('o');
    const u = url();
    const conn = await track(
      connect({ hostname: u.hostname, port: Number(u.port), username: 'guest', password: 'guest', vhost, heartbeat: 7, frameMax: 16384, channelMax: 10, connectionTimeout: 5000, authMechanisms: ['AMQPLAIN'], connectionName: name }),
    );
    expect(conn.tune).toEqual({ frameMax: 16384, channelMax: 10, heartbeat: 7 });
    const seen = await settingsOf(name);
    expect([seen.authMechanism, seen.vhost]).toEqual(['AMQPLAIN', vhost]);
  });

  it('%2F-encoded vhost, default vhost with and without the slash, and the options object winning over the URL', async () => {
    const names = [uniqueName('v1'), uniqueName('v2'), uniqueName('v3'), uniqueName('v4')];
    await Promise.all([
      track(connect(`amqp://guest:guest@${hostPort()}/${encodeURIComponent(vhost)}`, { connectionName: names[0]! })),
      track(connect(`amqp://guest:guest@${hostPort()}`, { connectionName: names[1]! })),
      track(connect(`amqp://guest:guest@${hostPort()}/%2F`, { connectionName: names[2]! })),
      track(connect(`amqp://nobody:nothing@${hostPort()}/nowhere?heartbeat=3`, { username: 'guest', password: 'guest', vhost, connectionName: names[3]! })),
    ]);
    const seen = await settingsOfAll(names);
    expect(seen.map((s) => s.vhost)).toEqual([vhost, '/', '/', vhost]);
    expect(seen[3]!.timeout).toBe(3);
  });
});

describe('SASL', () => {
  it('PLAIN and AMQPLAIN', async () => {
    const [a, b] = [uniqueName('plain'), uniqueName('amqplain')];
    await Promise.all([track(connect(amqpUrl(), { authMechanisms: ['PLAIN'], connectionName: a })), track(connect(amqpUrl(), { authMechanisms: ['AMQPLAIN'], connectionName: b }))]);
    expect((await settingsOfAll([a, b])).map((s) => s.authMechanism)).toEqual(['PLAIN', 'AMQPLAIN']);
  });

  it('a custom mechanism object (PLAIN implemented by the test)', async () => {
    let started = 0;
    const mine: SaslMechanism = {
      name: 'PLAIN',
      start: () => {
        started++;
        return new TextEncoder().encode('\u0000guest\u0000guest');
      },
    };
    const conn = await track(connect(amqpUrl(), { authMechanisms: [mine] }));
    expect(conn.isOpen).toBe(true);
    expect(started).toBe(1);
  });

  it('a wanted mechanism the server does not offer: AuthMechanismError (EXTERNAL without TLS too)', async () => {
    const custom: SaslMechanism = { name: 'X-NOPE', start: () => new Uint8Array(0) };
    const e1 = await connect(amqpUrl(), { authMechanisms: [custom] }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(AuthMechanismError);
    expect((e1 as AuthMechanismError).offered).toEqual(expect.arrayContaining(['PLAIN', 'AMQPLAIN']));
    const e2 = await connect(`${amqpUrl()}?auth_mechanism=EXTERNAL`).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(AuthMechanismError);
  });

  it('a wrong password: AccessRefusedError 403', async () => {
    const user = uniqueName('u');
    await addUser(user, 'right', { vhost: '/' });
    try {
      const e = await connect(withCredentials(amqpUrl(), { user, password: 'wrong' })).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(AccessRefusedError);
      expect(e).toMatchObject({ name: 'AccessRefusedError', replyCode: 403, remote: true });
      await track(connect(withCredentials(amqpUrl(), { user, password: 'right' })));
    } finally {
      await deleteUser(user);
    }
  });

  it('an unknown vhost: NotAllowedError 530 (connection.open refused)', async () => {
    const e = await connect(withCredentials(amqpUrl(), { vhost: uniqueName('missing') })).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NotAllowedError);
    expect(e).toMatchObject({ replyCode: 530, method: 'connection.open' });
  });
});

describe('connect failures', () => {
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  it('connection refused: ConnectionLostError at once, with the system error as cause', async () => {
    const port = await closedPort();
    const t0 = Date.now();
    const e = await connect({ hostname: '127.0.0.1', port }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConnectionLostError);
    expect(((e as Error).cause as { code?: string }).code).toBe('ECONNREFUSED');
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('a server that never answers the protocol header: ConnectTimeoutError within connection_timeout', async () => {
    const u = url();
    proxy = await startProxy(u.hostname, Number(u.port));
    proxy.stall();
    const t0 = Date.now();
    const e = await connect(`${proxy.url(amqpUrl())}?connection_timeout=600`).catch((x: unknown) => x);
    const took = Date.now() - t0;
    expect(e).toBeInstanceOf(ConnectTimeoutError);
    expect(took).toBeGreaterThanOrEqual(550);
    expect(took).toBeLessThan(2_000);
  });
});
