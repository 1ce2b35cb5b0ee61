/**
 * Golden captures made by the suite itself: a warren session and an amqplib session run against
 * the real broker through a recording proxy; the bytes they really exchanged are then
 * - decoded by the inspector (JSON lines) and checked against what the session did;
 * - re-encoded frame by frame with warren's codec: the result is the captured bytes exactly
 *   (lossless round trips on real traffic: RabbitMQ's server-properties tables, amqplib's
 *   client properties, headers with integer-like keys...);
 * - and run through the `warren-inspect decode` command (text and --json).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameParser, PROTOCOL_HEADER, Writer, decodeContentHeader, decodeMethod, registry, writeHeaderFrame, writeMethodFrame } from 'warren/codec';
import { parseFilter } from '../../../tools/inspect/filter.js';
import { Inspector } from '../../../tools/inspect/inspector.js';
import { amqpUrl } from '../../helpers/broker.js';
import { toHex } from '../../helpers/hex.js';
import { startRecorder } from './recorder.js';
import { amqplibSession, warrenSession, type SessionFacts } from './sessions.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

type Line = Record<string, unknown> & { method?: string; fields?: Record<string, unknown>; properties?: Record<string, unknown> };

/** Decodes one direction's bytes with the inspector, as JSON lines. */
function inspect(bytes: Uint8Array, filter: string[] = []): Line[] {
  return inspectRaw(bytes, filter).map((l) => JSON.parse(l) as Line);
}

/** The JSON lines as printed (JSON.parse would put integer-like keys first again). */
function inspectRaw(bytes: Uint8Array, filter: string[] = []): string[] {
  const lines: string[] = [];
  const insp = new Inspector({ out: (l) => lines.push(l), json: true, color: false, filter: parseFilter(filter), live: false });
  insp.open(0, 'client', 'server');
  insp.data(0, 'c2s', bytes);
  insp.end();
  return lines;
}

/** Re-encodes every frame of a captured stream with warren's codec. */
function reencode(bytes: Uint8Array): Uint8Array {
  const w = new Writer();
  let at = 0;
  if (toHex(bytes.subarray(0, 4)) === toHex(PROTOCOL_HEADER.subarray(0, 4))) {
    w.raw(bytes.subarray(0, 8));
    at = 8;
  }
  const p = new FrameParser({ frameMax: 0 });
  p.push(bytes.subarray(at));
  for (let f = p.next(); f; f = p.next()) {
    if (f.type === 1) writeMethodFrame(w, f.channel, registry.byId((f.payload[0]! << 24) | (f.payload[1]! << 16) | (f.payload[2]! << 8) | f.payload[3]!)!, decodeMethod(registry, f.payload));
    else if (f.type === 2) {
      const h = decodeContentHeader(registry, f.payload);
      writeHeaderFrame(w, f.channel, registry.properties(h.classId)!, h.properties, h.bodySize);
    } else {
      w.u8(f.type);
      w.u16(f.channel);
      w.u32(f.payload.length);
      w.raw(f.payload);
      w.u8(0xce);
    }
  }
  expect(p.buffered).toBe(0);
  return w.toBytes();
}

describe.each([
  ['warren', warrenSession],
  ['amqplib', amqplibSession],
] as const)('a %s session captured through a proxy', (_name, session) => {
  let facts: SessionFacts;
  let c2s: Uint8Array;
  let s2c: Uint8Array;

  beforeAll(async () => {
    const url = new URL(amqpUrl());
    const rec = await startRecorder(url.hostname, Number(url.port));
    try {
      facts = await session(rec.url(amqpUrl()));
      await new Promise((r) => setTimeout(r, 100)); // the last close-ok on its way
    } finally {
      await rec.close();
    }
    ({ c2s, s2c } = rec.bytes());
  });

  it('re-encoding every decoded frame gives the captured bytes, both directions', () => {
    expect(c2s.length).toBeGreaterThan(200);
    expect(toHex(reencode(c2s))).toBe(toHex(c2s));
    expect(toHex(reencode(s2c))).toBe(toHex(s2c));
  });

  it('client → server decodes to what the session did', () => {
    const lines = inspect(c2s);
    expect(lines[0]).toMatchObject({ offset: 0, frame: 'protocol-header', version: '0-0-9-1' });
    const methods = lines.filter((l) => l.method).map((l) => l.method);
    expect(methods.slice(0, 4)).toEqual(['connection.start-ok', 'connection.tune-ok', 'connection.open', 'channel.open']);
    expect(methods).toContain('basic.get');
    expect(methods).toContain('basic.ack');
    expect(methods.at(-1)).toBe('connection.close');
    const startOk = lines.find((l) => l.method === 'connection.start-ok')!;
    expect(startOk.fields!.response).toEqual({ redacted: 12 }); // \0guest\0guest, never printed
    expect(JSON.stringify(lines)).not.toContain(Buffer.from('\0guest\0guest').toString('hex'));
    expect(lines.find((l) => l.method === 'queue.declare')!.fields).toMatchObject({ queue: facts.queue, durable: false });
    const publish = lines.findIndex((l) => l.method === 'basic.publish');
    expect(lines[publish]!.fields).toMatchObject({ exchange: '', routingKey: facts.queue });
    expect(lines[publish + 1]).toMatchObject({ frame: 'header', channel: lines[publish]!.channel, bodySize: facts.body.length, properties: { messageId: 'm-1' } });
    expect(lines[publish + 2]).toMatchObject({ frame: 'body', body: { size: facts.body.length } });
    expect((lines[publish + 2]!.body as { preview: string }).preview).toBe(JSON.stringify(facts.body.slice(0, 40)) + (facts.body.length > 40 ? '…' : ''));
    if (facts.headersInOrder) {
      // JSON keeps the wire order: x-b, 9, 1 (a plain object would list 1 and 9 first), each value with its tag
      expect(inspectRaw(c2s)[publish + 1]).toContain('"headers":{"x-b":{"tag":"I","value":1},"9":{"tag":"S","value":"nine"},"1":{"tag":"t","value":true}}');
    }
    if (facts.secretRotated) {
      const update = lines.find((l) => l.method === 'connection.update-secret')!;
      expect(update.fields).toEqual({ newSecret: { redacted: 5 }, reason: 'inspector test' });
    }
    const summary = lines.at(-1)!.summary as { methods: Record<string, { frames: number }>; errors: number };
    expect(summary.errors).toBe(0);
    expect(summary.methods['basic.publish body']).toEqual({ frames: 1, bytes: facts.body.length + 8 });
  });

  it('server → client decodes to what the broker answered', () => {
    const lines = inspect(s2c);
    const start = lines.find((l) => l.method === 'connection.start')!;
    expect((start.fields!.serverProperties as Record<string, unknown>).product).toEqual({ tag: 'S', value: 'RabbitMQ' });
    const getOk = lines.findIndex((l) => l.method === 'basic.get-ok');
    expect(lines[getOk]!.fields).toMatchObject({ routingKey: facts.queue, redelivered: false });
    expect(lines[getOk + 2]).toMatchObject({ frame: 'body', body: { size: facts.body.length } });
    // (RabbitMQ 4.3 delivers headers re-encoded, keys sorted, 3.10 as published: the order is the broker's, the bytes re-encode as they came.)
    expect(lines.some((l) => l.method === 'connection.close-ok')).toBe(true);
  });

  it('--filter keeps the frames asked for (content counted as its method)', () => {
    const lines = inspect(c2s, ['basic.publish']).filter((l) => !('summary' in l));
    expect(lines.map((l) => l.frame)).toEqual(['protocol-header', 'method', 'header', 'body']);
    const ch0 = inspect(c2s, ['channel=0']).filter((l) => 'channel' in l);
    expect(ch0.length).toBeGreaterThan(3);
    expect(ch0.every((l) => l.channel === 0)).toBe(true);
  });

  afterAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-golden-'));
    const file = join(dir, 'c2s.bin');
    writeFileSync(file, c2s);
    const cli = (...args: string[]): string =>
      execFileSync(process.execPath, [`${root}node_modules/tsx/dist/cli.mjs`, `${root}tools/inspect/cli.ts`, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    // Runs the command itself once per session: text columns, no colour when not a TTY.
    const text = cli('decode', file);
    expect(text).toMatch(/^ {6}@0 {12}protocol-header {21}AMQP 0-0-9-1$/m);
    expect(text).toMatch(/@\d+ {2}ch 1 {6}basic\.publish body {18}\d+ B "hello from/);
    // aligned columns: every frame line has its method at column 20 and its details at column 56
    const frames = text.split('\n').filter((l) => /^ *@\d+  ch \d+ /.test(l));
    expect(frames.length).toBeGreaterThan(10);
    for (const l of frames) expect(l.slice(20, 21)).toMatch(/[a-z]/);
    for (const l of frames.filter((x) => x.length > 56)) expect(l.slice(54, 57)).toMatch(/^  \S$/);
    expect(text).toContain('summary: ');
    expect(text).not.toContain('\x1b[');
    const json = cli('decode', '--json', '--filter', 'queue', file).trim().split('\n').map((l) => JSON.parse(l) as Line);
    expect(json.filter((l) => l.method).map((l) => l.method)).toEqual(['queue.declare', 'queue.delete']);
  }, 120_000); // two Node processes with tsx
});
