/**
 * The sans-io core fuzzer, shared by the test (test/unit/protocol/fuzz.test.ts, a few thousand
 * streams) and the long run (scripts/fuzz-core.ts, `npm run fuzz:core`, a million and more).
 *
 * Theory of operation. Each case is one whole connection, from start() on, against a server
 * stream built from segments (one or a few frames each): connection.start, a connection.tune
 * whose values are drawn from the interesting edges (frame_max 0, 1, 8, 9, 4095, 4096, 2^32-1,
 * heartbeat 0 or large, channel_max 0 or 1...), open-ok, channel.open-ok, answers to the calls
 * the harness makes, deliveries whose content headers announce edge body sizes (0, frame-sized,
 * 2^31, 2^32, 2^40, 2^53 ± 1, 2^64 - 1, 512 MiB - 1) under edge maxBodySize settings, body
 * frames, heartbeats, closes. A case then takes one of three shapes:
 * - *valid*: the segments as built (must reach `open` when the tune is legal);
 * - *mutated*: byte edits (flip, insert, delete, truncate, magic octets) inside some segments;
 * - *random*: a valid prefix of the handshake, then random bytes that often look like frames.
 * Segments are fed in random chunkings with the clock moving between them; between segments the
 * harness acts as an application would (opens a channel once the connection is open, sends
 * basic.qos and basic.get, publishes, closes the channel). At the end the clock jumps past every
 * deadline (handshake, close-ok, heartbeats).
 *
 * Verdicts, per case:
 * - crash: anything thrown out of receive() or tick() (the core's contract: never);
 * - non-warren: a command threw something that is not a WarrenError, or an event carried an
 *   error that is not one;
 * - hang: after every deadline, the connection is neither open nor closed, or a channel is still
 *   closing, or an event arrived after `closed`;
 * - bad output: what the core wrote does not parse back into frames and methods.
 * A seeded PRNG per case makes every failure reproducible from (seed, index).
 */
import { Reader, Writer, isWarrenError, type AnyMethod, type ProtocolRegistry } from '../../../runtime/codec/index.js';
import { FrameParser, PROTOCOL_HEADER, writeHeartbeat, writeMethodFrame } from '../../../runtime/frame/index.js';
import { registry as defaultRegistry } from '../../../generated/index.js';
import { ConnectionCore, type CoreOptions } from '../../../runtime/protocol/connection.js';
import type { ProtocolEvent } from '../../../runtime/protocol/events.js';
import { amqplain, plain } from '../../../runtime/protocol/sasl.js';

/** mulberry32: small, fast, seedable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rnd = () => number;
const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const int = (rnd: Rnd, n: number): number => Math.floor(rnd() * n);
const m = (kind: string, fields: object = {}) => ({ kind, ...fields }) as AnyMethod;
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

const FRAME_MAXES = [0, 1, 7, 8, 9, 100, 4095, 4096, 8191, 8192, 131072, 0xffffffff] as const;
const BODY_SIZES: readonly (number | bigint)[] = [0, 1, 7, 100, 4088, 131064, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53 - 1, 2n ** 53n + 1n, 2n ** 64n - 1n, 512 * 1024 * 1024 - 1];
const MAX_BODY_SIZES = [undefined, 0, 1, 1000, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER] as const;

/** Frames as a server writes them (no frame limit: the server is the one breaking rules). */
export class Frames {
  private readonly w = new Writer(1024);
  constructor(private readonly registry: ProtocolRegistry) {}

  method(channel: number, method: AnyMethod): Uint8Array {
    this.w.pos = 0;
    writeMethodFrame(this.w, channel, this.registry.byKind(method.kind)!, method);
    return this.w.buf.slice(0, this.w.pos);
  }

  raw(type: number, channel: number, payload: Uint8Array): Uint8Array {
    const b = new Uint8Array(8 + payload.length);
    b[0] = type;
    b[1] = channel >>> 8;
    b[2] = channel;
    new DataView(b.buffer).setUint32(3, payload.length);
    b.set(payload, 7);
    b[7 + payload.length] = 0xce;
    return b;
  }

  /** A content header for basic with a body size written as given (up to 2^64 - 1). */
  header(channel: number, bodySize: number | bigint, properties: Uint8Array): Uint8Array {
    const p = new Uint8Array(12 + properties.length);
    p[1] = 60;
    new DataView(p.buffer).setBigUint64(4, BigInt(bodySize));
    p.set(properties, 12);
    return this.raw(2, channel, p);
  }

  heartbeat(): Uint8Array {
    this.w.pos = 0;
    writeHeartbeat(this.w);
    return this.w.buf.slice(0, this.w.pos);
  }
}

/** Some basic properties payloads: none, a content type, headers, all flags with junk. */
const PROPERTIES = [
  Uint8Array.of(0, 0),
  Uint8Array.of(0x80, 0, 4, 0x74, 0x65, 0x78, 0x74), // content-type "text"
  Uint8Array.of(0x20, 0, 0, 0, 0, 6, 1, 0x61, 0x74, 1), // headers { a: true }
  Uint8Array.of(0xff, 0xfc, 0, 0, 0, 0, 0), // every flag, then too few bytes
];

/** One case's server stream, as segments fed one after another. */
function serverSegments(rnd: Rnd, f: Frames): Uint8Array[] {
  const segs: Uint8Array[] = [];
  const mechanisms = rnd() < 0.9 ? pick(rnd, ['PLAIN AMQPLAIN', 'AMQPLAIN']) : pick(rnd, ['EXTERNAL', '']);
  segs.push(f.method(0, m('connection.start', { versionMajor: 0, versionMinor: rnd() < 0.95 ? 9 : 8, serverProperties: { product: 'fuzz', capabilities: { 'connection.blocked': true } }, mechanisms: utf8(mechanisms), locales: utf8('en_US') })));
  if (rnd() < 0.05) segs.push(f.method(0, m('connection.secure', { challenge: utf8('?') })));
  const frameMax = rnd() < 0.3 ? pick(rnd, FRAME_MAXES) : rnd() < 0.8 ? pick(rnd, [0, 4096, 8192, 131072]) : int(rnd, 0x10000);
  segs.push(f.method(0, m('connection.tune', { channelMax: pick(rnd, [0, 1, 2, 2047, 65535]), frameMax, heartbeat: pick(rnd, [0, 1, 60, 65535]) })));
  segs.push(f.method(0, m('connection.open-ok')));
  segs.push(f.method(1, m('channel.open-ok')));
  const n = int(rnd, 8);
  for (let i = 0; i < n; i++) {
    switch (int(rnd, 10)) {
      case 0:
        segs.push(f.method(1, m('basic.qos-ok')));
        break;
      case 1:
      case 2:
      case 3: {
        // a delivery: method, header with an edge body size, some body frames
        const size = pick(rnd, BODY_SIZES);
        segs.push(f.method(1, m('basic.deliver', { consumerTag: 'c', deliveryTag: i + 1, redelivered: false, exchange: '', routingKey: 'q' })));
        segs.push(f.header(1, size, pick(rnd, PROPERTIES)));
        const frames = int(rnd, 4);
        for (let k = 0; k < frames; k++) segs.push(f.raw(3, 1, new Uint8Array(pick(rnd, [0, 1, 10, 4088, 20_000])).fill(k)));
        break;
      }
      case 4:
        segs.push(f.method(1, m('basic.get-ok', { deliveryTag: 1, redelivered: false, exchange: '', routingKey: 'q', messageCount: 0 })), f.header(1, 3, PROPERTIES[0]!), f.raw(3, 1, Uint8Array.of(1, 2, 3)));
        break;
      case 5:
        segs.push(f.heartbeat());
        break;
      case 6:
        segs.push(f.method(1, m('channel.close', { replyCode: 404, replyText: 'NOT_FOUND', classId: 50, methodId: 10 })));
        break;
      case 7:
        segs.push(f.method(1, m('channel.close-ok')));
        break;
      case 8:
        segs.push(f.method(0, m(pick(rnd, ['connection.blocked', 'connection.unblocked']), { reason: 'low' })));
        break;
      default:
        segs.push(f.method(0, m(pick(rnd, ['connection.close', 'connection.close-ok']), { replyCode: 320, replyText: 'bye', classId: 0, methodId: 0 })));
    }
  }
  return segs;
}

function mutate(src: Uint8Array, rnd: Rnd): Uint8Array {
  const b = Array.from(src);
  const edits = 1 + int(rnd, 4);
  for (let i = 0; i < edits; i++) {
    const at = int(rnd, b.length + 1);
    const op = rnd();
    if (op < 0.5) b[at % Math.max(1, b.length)] = int(rnd, 256);
    else if (op < 0.65) b.splice(at, 0, int(rnd, 256));
    else if (op < 0.8) b.splice(at, 1);
    else if (op < 0.9) b.length = at;
    else b[at % Math.max(1, b.length)] = pick(rnd, [0, 1, 0xff, 0x7f, 0x80, 0xce]);
  }
  return Uint8Array.from(b);
}

function randomBytes(rnd: Rnd, max: number): Uint8Array {
  const b = new Uint8Array(int(rnd, max));
  for (let i = 0; i < b.length; i++) b[i] = int(rnd, 256);
  if (b.length >= 7 && rnd() < 0.7) {
    b[0] = pick(rnd, [1, 1, 2, 3, 8]);
    b[1] = 0;
    b[2] = pick(rnd, [0, 1, 1, 2]);
    b[3] = 0;
    b[4] = 0;
    b[5] = 0;
    b[6] = Math.min(b[6]!, b.length - 8);
  }
  return b;
}

/** Counts of a fuzz run. */
export interface FuzzReport {
  streams: number;
  /** Cases by shape. */
  valid: number;
  mutated: number;
  random: number;
  /** Cases that reached `open`, and that ended `closed` with an error. */
  opened: number;
  closedWithError: number;
  crashes: number;
  hangs: number;
  nonWarren: number;
  badOutput: number;
  /** The first few failures, reproducible from (seed, index). */
  failures: string[];
}

/** Options of {@link fuzzCore}. */
export interface FuzzOptions {
  seed: number;
  count: number;
  /** Called every `every` cases with the report so far. */
  progress?: (r: FuzzReport) => void;
  every?: number;
}

/** Runs `count` cases; never throws for a finding, reports it. */
export function fuzzCore(o: FuzzOptions): FuzzReport {
  const r: FuzzReport = { streams: 0, valid: 0, mutated: 0, random: 0, opened: 0, closedWithError: 0, crashes: 0, hangs: 0, nonWarren: 0, badOutput: 0, failures: [] };
  const f = new Frames(defaultRegistry);
  for (let i = 0; i < o.count; i++) {
    const verdict = runCase(o.seed, i, f, r);
    r.streams++;
    if (verdict !== undefined) {
      r[verdict.kind]++;
      if (r.failures.length < 10) r.failures.push(`seed ${o.seed} case ${i}: ${verdict.kind}: ${verdict.detail}`);
    }
    if (o.progress && (i + 1) % (o.every ?? 100_000) === 0) o.progress(r);
  }
  return r;
}

type Verdict = { kind: 'crashes' | 'hangs' | 'nonWarren' | 'badOutput'; detail: string };

const describeError = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}\n${e.stack?.split('\n').slice(1, 4).join('\n')}` : String(e));

/** One connection against one server stream; the verdict, or undefined when all is well. */
export function runCase(seed: number, index: number, f: Frames, r: FuzzReport): Verdict | undefined {
  const rnd = prng((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const shape = index % 3 === 0 ? 'valid' : index % 3 === 1 ? 'mutated' : 'random';
  r[shape]++;
  let segs = serverSegments(rnd, f);
  if (shape === 'mutated') segs = segs.map((s) => (rnd() < 0.3 ? mutate(s, rnd) : s));
  else if (shape === 'random') segs = [...segs.slice(0, int(rnd, 4)), ...Array.from({ length: 1 + int(rnd, 4) }, () => randomBytes(rnd, 80))];

  const events: ProtocolEvent[] = [];
  let afterClosed = false;
  let closed = 0;
  const opts: CoreOptions = {
    vhost: '/',
    mechanisms: rnd() < 0.5 ? [plain('u', 'p')] : [amqplain('u', 'p'), plain('u', 'p')],
    clientProperties: { product: 'fuzz' },
    tune: { channelMax: pick(rnd, [0, 2047]), frameMax: pick(rnd, [0, 8192, 131072]), heartbeat: pick(rnd, [0, 5, 60]) },
    connectionTimeout: 10_000,
    closeTimeout: 3_000,
    maxBodySize: pick(rnd, MAX_BODY_SIZES),
    reusedChunks: rnd() < 0.5,
  };
  const core = new ConnectionCore(opts, (e) => {
    if (closed > 0) afterClosed = true;
    if (e.type === 'closed') closed++;
    events.push(e);
  });
  let now = 1_000;
  const written: Uint8Array[] = [];
  const drain = () => {
    for (const c of core.takeOutput(now)) written.push(c.slice());
  };
  let channel = 0;
  let commandError: unknown;
  /** What an application does between segments: any WarrenError is fine, anything else is not. */
  const act = () => {
    try {
      if (core.state !== 'open') return;
      if (channel === 0) {
        channel = core.openChannel().channel;
        return;
      }
      const st = core.channelState(channel)?.state;
      if (st !== 'open') return;
      switch (int(rnd, 5)) {
        case 0:
          core.call(channel, m('basic.qos', { prefetchSize: 0, prefetchCount: 10, global: false }));
          break;
        case 1:
          core.call(channel, m('basic.get', { queue: 'q', noAck: false }));
          break;
        case 2:
          core.publish(channel, m('basic.publish', { exchange: '', routingKey: 'q', mandatory: false, immediate: false }), { headers: { big: 'x'.repeat(int(rnd, 2) ? 10 : 10_000) } }, new Uint8Array(int(rnd, 2) ? 10 : 70_000));
          break;
        case 3:
          core.closeChannel(channel);
          break;
        default:
          core.send(channel, m('basic.ack', { deliveryTag: 1, multiple: false }));
      }
    } catch (e) {
      if (!isWarrenError(e)) commandError = e;
    }
  };

  try {
    core.start(now);
    drain();
    for (const seg of segs) {
      let off = 0;
      while (off < seg.length) {
        const n = rnd() < 0.6 ? seg.length : 1 + int(rnd, Math.max(1, seg.length));
        const chunk = seg.slice(off, off + n);
        core.receive(chunk, now);
        if (opts.reusedChunks) chunk.fill(0xaa); // the transport reuses its buffer: nothing may be kept
        off += n;
      }
      if (commandError !== undefined) return { kind: 'nonWarren', detail: describeError(commandError) };
      drain();
      now += pick(rnd, [0, 0, 1, 100, 2_000]);
      core.tick(now);
      drain();
      act();
      drain();
    }
    // Every deadline passes: the handshake's, close-ok's, a channel close's, heartbeats'.
    for (let k = 0; k < 4; k++) {
      now += 200_000_000;
      core.tick(now);
      drain();
    }
  } catch (e) {
    return { kind: 'crashes', detail: describeError(e) };
  }
  if (commandError !== undefined) return { kind: 'nonWarren', detail: describeError(commandError) };
  for (const e of events) {
    const err = 'error' in e ? e.error : undefined;
    if (err !== undefined && !isWarrenError(err)) return { kind: 'nonWarren', detail: `${e.type} event with ${describeError(err)}` };
  }
  if (events.some((e) => e.type === 'open')) r.opened++;
  if (events.some((e) => e.type === 'closed' && e.error)) r.closedWithError++;
  if (closed > 1 || afterClosed) return { kind: 'hangs', detail: `${closed} closed events; events after closed: ${afterClosed}` };
  if (core.state !== 'open' && core.state !== 'closed') return { kind: 'hangs', detail: `stuck in ${core.state}` };
  if (core.state === 'open' && channel !== 0 && core.channelState(channel)?.state === 'closing') return { kind: 'hangs', detail: `channel ${channel} stuck closing` };
  const bad = checkOutput(written);
  if (bad !== undefined) return { kind: 'badOutput', detail: bad };
  return undefined;
}

/** What the core wrote parses back: the protocol header, then frames whose methods decode. */
function checkOutput(chunks: Uint8Array[]): string | undefined {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const all = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  if (total < 8 || !PROTOCOL_HEADER.every((b, i) => all[i] === b)) return 'no protocol header first';
  const p = new FrameParser({ frameMax: 0 });
  try {
    p.push(all.subarray(8));
    for (let fr = p.next(); fr; fr = p.next()) {
      if (fr.type !== 1) continue;
      const rd = new Reader(fr.payload);
      const def = defaultRegistry.byId(((rd.short() << 16) | rd.short()) >>> 0);
      if (!def) return 'unknown method written';
      def.decode(rd);
    }
    if (p.buffered !== 0) return `${p.buffered} bytes of a partial frame written`;
  } catch (e) {
    return describeError(e);
  }
  return undefined;
}
