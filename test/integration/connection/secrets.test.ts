/**
 * The password never shows: not in any error message, stack or cause chain, not in event
 * payloads, not in util.inspect of a Connection, a Channel or an error, on failing and
 * succeeding paths, malformed URLs included.
 */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'warren';
import { addUser, amqpUrl, deleteUser, uniqueName } from '../../helpers/broker.js';
import { closedPort } from '../../helpers/broker-extra.js';
import { startProxy } from '../../helpers/tcp-proxy.js';

const PASSWORD = `Zq9-${Math.random().toString(36).slice(2)}-pw`;
const user = uniqueName('secret-user');
const hostPort = () => new URL(amqpUrl()).host;
const urlWith = (password: string, rest = '/') => `amqp://${user}:${encodeURIComponent(password)}@${hostPort()}${rest}`;

/** Everything about a value that could leak: messages, stacks, causes, own properties, inspect. */
function exposure(value: unknown): string {
  const parts: string[] = [inspect(value, { depth: Infinity, showHidden: true })];
  let e: unknown = value;
  for (let i = 0; e instanceof Error && i < 10; i++, e = e.cause) {
    parts.push(e.message, String(e.stack), JSON.stringify(Object.entries(e)));
  }
  return parts.join('\n');
}

function expectClean(value: unknown): void {
  const text = exposure(value);
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(encodeURIComponent(PASSWORD));
}

beforeAll(() => addUser(user, PASSWORD, { vhost: '/' }));
afterAll(() => deleteUser(user));

describe('the password never appears', () => {
  it('on a successful connection: Connection, Channel, events', async () => {
    const conn = await connect(urlWith(PASSWORD));
    const ch = await conn.channel();
    const events: unknown[] = [];
    conn.on('close', (e) => events.push(e));
    ch.on('close', (e) => events.push(e));
    expectClean(conn);
    expectClean(ch);
    expectClean(conn.serverProperties);
    await conn.close();
    expectClean(events);
    expectClean(conn);
  });

  it('a wrong password (the right one differs by a suffix)', async () => {
    const e = await connect(urlWith(`${PASSWORD}x`)).catch((x: unknown) => x);
    expect((e as Error).name).toBe('AccessRefusedError');
    expectClean(e);
  });

  it('connection refused, connect timeout, unknown vhost', async () => {
    const port = await closedPort();
    const refused = await connect(`amqp://${user}:${PASSWORD}@127.0.0.1:${port}/`).catch((x: unknown) => x);
    expect((refused as Error).name).toBe('ConnectionLostError');
    expectClean(refused);

    const u = new URL(amqpUrl());
    const proxy = await startProxy(u.hostname, Number(u.port));
    proxy.stall();
    try {
      const timedOut = await connect(`amqp://${user}:${PASSWORD}@127.0.0.1:${proxy.port}/?connection_timeout=300`).catch((x: unknown) => x);
      expect((timedOut as Error).name).toBe('ConnectTimeoutError');
      expectClean(timedOut);
    } finally {
      await proxy.close();
    }

    const vhost = await connect(urlWith(PASSWORD, `/${uniqueName('nope')}`)).catch((x: unknown) => x);
    expect((vhost as Error).name).toBe('NotAllowedError');
    expectClean(vhost);
  });

  it('malformed URLs that contain the password', async () => {
    const bad = [
      `amqp://${user}:${PASSWORD}@${hostPort()}:notaport/`,
      `amqp://${user}:${PASSWORD}@[::1/`,
      `amqp://${user}:%ZZ${PASSWORD}@${hostPort()}/`,
      `amqp://${user}:${PASSWORD}@${hostPort()}/a/b`,
      `amqp://${user}:${PASSWORD}@${hostPort()}/?heartbeat=${PASSWORD}`,
      `amqp://${user}:${PASSWORD}@${hostPort()}/?${PASSWORD}=1`,
      `http://${user}:${PASSWORD}@${hostPort()}/`,
    ];
    for (const url of bad) {
      const e = await connect(url).catch((x: unknown) => x);
      expect(e, url).toBeInstanceOf(Error);
      expect((e as Error).name, url).toBe('ConfigurationError');
      expectClean(e);
    }
  });
});
