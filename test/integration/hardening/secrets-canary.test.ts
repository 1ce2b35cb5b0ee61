/**
 * Secrets never leave: a canary password (PLAIN and AMQPLAIN) and a canary updateSecret() value
 * are grepped across every diagnostics channel (frames, bytes in and out, TLS, every tracing
 * channel), the logger, errors (message, stack, causes, own properties) and util.inspect of the
 * connection and channel. The reused output buffer never holds them, and the chunk that carried
 * them is zeroed once the socket has taken it. Certificate verification turned off is loud once:
 * a logger warning and a `warren:tls-insecure` event.
 */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, diagnostics, tracing, type Connection, type Logger } from 'warren';
import { addUser, amqpUrl, amqpsUrl, deleteUser, uniqueName } from '../../helpers/broker.js';

const PASSWORD = `canary-pw-${Math.random().toString(36).slice(2)}`;
const SECRET = `canary-token-${Math.random().toString(36).slice(2)}`;
const user = uniqueName('canary');
const url = (password = PASSWORD) => `amqp://${user}:${encodeURIComponent(password)}@${new URL(amqpUrl()).host}/`;

/** Everything seen on a diagnostics channel or by the logger, as text (bytes as latin1). */
const seen: string[] = [];
const text = (v: unknown, seenObjects = new WeakSet<object>(), depth = 0): string => {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1');
  if (v && typeof v === 'object') {
    // Events may hold the connection and its cycles: walk each object once, a few levels deep.
    if (seenObjects.has(v) || depth > 6) return '';
    seenObjects.add(v);
    const own = Object.entries(v).map(([k, x]) => `${k}=${text(x, seenObjects, depth + 1)}`).join(' ');
    return depth > 0 ? own : own + inspect(v, { depth: 8, showHidden: true, maxArrayLength: Infinity, maxStringLength: Infinity });
  }
  return String(v);
};
const record = (label: string) => (message: unknown) => void seen.push(`${label} ${text(message)}`);
const logger: Logger = { debug: (m, d) => seen.push(`debug ${m} ${text(d)}`), warn: (m, d) => seen.push(`warn ${m} ${text(d)}`) };

/** Messages, stacks, causes, own properties and inspect output of a value. */
function exposure(value: unknown): string {
  const parts: string[] = [inspect(value, { depth: Infinity, showHidden: true })];
  let e: unknown = value;
  for (let i = 0; e instanceof Error && i < 10; i++, e = e.cause) parts.push(e.message, String(e.stack), JSON.stringify(Object.entries(e)));
  return parts.join('\n');
}

function expectClean(haystack: string): void {
  for (const secret of [PASSWORD, SECRET]) {
    expect(haystack).not.toContain(secret);
    expect(haystack).not.toContain(encodeURIComponent(secret));
  }
}

const contains = (buf: Uint8Array, s: string) => Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).includes(Buffer.from(s));

const channels = [...Object.values(diagnostics)];
const tracers = Object.values(tracing);
const handlers = new Map<object, (m: unknown) => void>();
const traceHandlers = { start: record('trace-start'), end: record('trace-end'), asyncStart: record('trace-asyncStart'), asyncEnd: record('trace-asyncEnd'), error: record('trace-error') };

beforeAll(async () => {
  await addUser(user, PASSWORD, { vhost: '/' });
  for (const ch of channels) {
    const h = record(ch.name as string);
    handlers.set(ch, h);
    ch.subscribe(h);
  }
  for (const t of tracers) t.subscribe(traceHandlers as never);
});
afterAll(async () => {
  for (const ch of channels) ch.unsubscribe(handlers.get(ch)!);
  for (const t of tracers) t.unsubscribe(traceHandlers as never);
  await deleteUser(user);
});

describe('canary secrets', () => {
  for (const mechanism of ['PLAIN', 'AMQPLAIN']) {
    it(`${mechanism} password and updateSecret value: nowhere to be seen; buffers wiped`, async () => {
      seen.length = 0;
      const conn: Connection = await connect(url(), { authMechanisms: [mechanism], logger, recovery: false });
      const ch = await conn.channel();
      // The reused output buffer never held the password (start-ok was encoded apart from it).
      const out = (conn.core as unknown as { out: { w: { buf: Uint8Array } } }).out.w.buf;
      expect(contains(out, PASSWORD)).toBe(false);

      // Capture the chunks that carry credentials as they are handed to the socket.
      const core = conn.core;
      const secretChunks: Uint8Array[] = [];
      const take = core.takeOutput.bind(core);
      core.takeOutput = (now: number) => {
        const chunks = take(now);
        secretChunks.push(...chunks.filter((c) => core.isSecret(c)));
        return chunks;
      };
      const redactedWrites: unknown[] = [];
      const onOut = (m: unknown) => void ((m as { redacted?: boolean }).redacted && redactedWrites.push(m));
      diagnostics.bytesOut.subscribe(onOut);
      await conn.updateSecret(SECRET, 'canary rotation');
      diagnostics.bytesOut.unsubscribe(onOut);
      expect(redactedWrites).toHaveLength(1); // the update-secret write was seen, redacted
      expect(contains(out, SECRET)).toBe(false);
      // The update-secret frame went out in a chunk of its own, zeroed once the socket took it.
      expect(secretChunks).toHaveLength(1);
      expect(secretChunks[0]!.length).toBeGreaterThan(SECRET.length);
      expect(secretChunks[0]!.every((b) => b === 0)).toBe(true);

      // Errors on the way: a channel error and a refused login.
      const notFound = await ch.call('queue.declare', { queue: uniqueName('nope'), passive: true }).catch((e: unknown) => e);
      expect((notFound as Error).name).toBe('NotFoundError');
      const refused = await connect(url(`${PASSWORD}x`), { authMechanisms: [mechanism], logger, recovery: false }).catch((e: unknown) => e);
      expect((refused as Error).name).toBe('AccessRefusedError');

      const ch2 = await conn.channel(); // the first was closed by the 404
      await ch2.publish('', uniqueName('nowhere'), 'hello');
      const inspected = [exposure(conn), exposure(ch), exposure(ch2), exposure(notFound), exposure(refused)].join('\n');
      await conn.close();
      expect(seen.some((s) => s.startsWith('warren:bytes-out'))).toBe(true); // the channels did carry traffic
      expect(seen.some((s) => s.startsWith('warren:frame-out') && s.includes('connection.update-secret'))).toBe(true);
      expectClean(seen.join('\n'));
      expectClean(inspected);
    });
  }

  it('verify_none: one logger warning and one warren:tls-insecure event per connection', async () => {
    const warnings: string[] = [];
    const events: unknown[] = [];
    const onInsecure = (m: unknown) => void events.push(m);
    diagnostics.tlsInsecure.subscribe(onInsecure);
    try {
      const u = new URL(amqpsUrl());
      u.searchParams.set('verify', 'verify_none');
      const conn = await connect(u.toString(), { logger: { warn: (m) => warnings.push(m) }, recovery: false });
      const ch = await conn.channel();
      await ch.prefetch(1);
      await conn.close();
      const secure = await connect(amqpsUrl().replace('amqps://', 'amqps://'), { tls: { rejectUnauthorized: false }, logger: { warn: (m) => warnings.push(m) }, recovery: false }).catch((e: unknown) => e);
      if (secure instanceof Error) throw secure;
      await (secure as Connection).close();
    } finally {
      diagnostics.tlsInsecure.unsubscribe(onInsecure);
    }
    expect(warnings.filter((w) => /certificate verification is off/.test(w))).toHaveLength(2);
    expect(events).toEqual([expect.objectContaining({ port: Number(new URL(amqpsUrl()).port) }), expect.objectContaining({ port: Number(new URL(amqpsUrl()).port) })]);
  });
});
