/**
 * Inspector: what the three commands share. It receives bytes per connection and direction
 * (with a capture or arrival time when there is one), decodes them with a StreamDecoder each,
 * and prints one line per frame (aligned columns, colour on request) or one JSON object per
 * line, filtered; it counts every frame for the summary printed by `end()`.
 *
 * Theory of operation, per connection: content headers and bodies are attributed to the last
 * content-carrying method seen on their channel and direction (for --filter and the summary);
 * a synchronous request (a method whose definition lists responses) is remembered per channel
 * until a method of its responses comes the other way, and that line shows the latency between
 * them. Credentials (SASL responses, update-secret) are never printed.
 */
import { registry } from 'warren/codec';
import type { Filter } from './filter.js';
import { StreamDecoder, type StreamEvent } from './frames.js';
import { Summary } from './summary.js';
import { json, preview, shownFields, text } from './values.js';

/** Which way bytes went. */
export type Direction = 'c2s' | 's2c';

const ARROW: Record<Direction, string> = { c2s: 'client→server', s2c: 'server→client' };
const FRAME_NAMES: Record<number, string> = { 1: 'method', 2: 'header', 3: 'body', 8: 'heartbeat' };

/** Options of {@link Inspector}. */
export interface InspectorOptions {
  /** Receives each output line (without a newline). */
  readonly out: (line: string) => void;
  readonly json: boolean;
  readonly color: boolean;
  readonly filter: Filter;
  /** Show the time and connection columns (pcap, tap); decode shows offsets only. */
  readonly live: boolean;
}

interface Conn {
  readonly decoders: Record<Direction, StreamDecoder>;
  /** Content method per direction and channel. */
  readonly content: Map<string, string>;
  /** Open synchronous requests per channel. */
  readonly waiting: Map<number, { dir: Direction; kind: string; responses: readonly string[]; time: number }>;
}

const paint = (on: boolean, code: string, s: string): string => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

/** Decodes and prints connections' frames; see the file comment. */
export class Inspector {
  private readonly conns = new Map<number, Conn>();
  private readonly summary = new Summary();

  constructor(private readonly o: InspectorOptions) {}

  /** Errors seen so far (framing, decoding, gaps in a capture). */
  get errors(): number {
    return this.summary.errors;
  }

  /** Counts an error reported outside the decoders (a gap in a capture). */
  countError(): void {
    this.summary.error();
  }

  /** Starts a connection (`client` and `server` are shown as given). */
  open(conn: number, client: string, server: string, time?: number): void {
    const c: Conn = {
      decoders: { c2s: undefined!, s2c: undefined! },
      content: new Map(),
      waiting: new Map(),
    };
    for (const dir of ['c2s', 's2c'] as const) c.decoders[dir] = new StreamDecoder((e) => this.event(conn, c, dir, e, this.now));
    this.conns.set(conn, c);
    if (this.o.live) {
      if (this.o.json) this.o.out(JSON.stringify({ event: 'open', time: iso(time), conn, client, server }));
      else this.o.out(paint(this.o.color, '2', `${clock(time)}  #${conn} ${client} → ${server} connected`));
    }
  }

  private now: number | undefined;

  /** Bytes of one direction, in order. */
  data(conn: number, dir: Direction, bytes: Uint8Array, time?: number): void {
    const c = this.conns.get(conn);
    if (!c) throw new Error(`connection #${conn} was not opened`);
    this.now = time;
    c.decoders[dir].push(bytes);
  }

  /** Ends a connection: reports partial frames left in either direction. */
  close(conn: number, time?: number, why = 'closed'): void {
    const c = this.conns.get(conn);
    if (!c) return;
    this.now = time;
    c.decoders.c2s.finish();
    c.decoders.s2c.finish();
    this.conns.delete(conn);
    if (this.o.live) {
      if (this.o.json) this.o.out(JSON.stringify({ event: 'close', time: iso(time), conn, why }));
      else this.o.out(paint(this.o.color, '2', `${clock(time)}  #${conn} ${why}`));
    }
  }

  /** Closes what is still open and prints the summary. */
  end(): void {
    for (const id of [...this.conns.keys()]) this.close(id, this.now, 'end of input');
    this.o.out(this.o.json ? this.summary.json() : `\n${this.summary.text()}`);
  }

  private event(conn: number, c: Conn, dir: Direction, e: StreamEvent, time: number | undefined): void {
    const o = this.o;
    const base = { ...(o.live ? { time: iso(time), conn } : {}), dir: o.live ? ARROW[dir] : undefined, offset: e.offset };
    if (e.type === 'error') {
      this.summary.error();
      if (o.json) o.out(json({ ...base, error: e.message }));
      else o.out(this.line(time, conn, dir, e.offset, '', paint(o.color, '31', 'error'), paint(o.color, '31', e.message)));
      return;
    }
    if (e.type === 'protocol-header') {
      this.summary.add('protocol-header', 0, e.size);
      if (o.json) o.out(json({ ...base, size: e.size, frame: 'protocol-header', version: e.version }));
      else o.out(this.line(time, conn, dir, e.offset, '', 'protocol-header', `AMQP ${e.version}`));
      return;
    }
    const key = `${dir}:${e.channel}`;
    let kind = e.method?.kind ?? (e.frameType === 8 ? 'heartbeat' : c.content.get(key) ?? '?');
    let label = kind;
    if (e.method && registry.byKind(e.method.kind)?.content) c.content.set(key, e.method.kind);
    if (e.frameType === 2 || e.frameType === 3) label = `${kind} ${FRAME_NAMES[e.frameType]}`;
    if (e.frameType === 1 && !e.method) kind = label = 'method?';
    this.summary.add(label, e.channel, e.size);
    if (e.error) this.summary.error();
    const latency = e.method ? this.latency(c, dir, e.channel, e.method.kind, time) : undefined;
    if (!o.filter.matches({ channel: e.channel, kind })) return;
    if (o.json) {
      const fields = e.method ? { method: e.method.kind, fields: shownFields(e.method) } : {};
      const header = e.header ? { classId: e.header.classId, bodySize: e.header.bodySize, properties: e.header.properties } : {};
      const body = e.body ? { body: { size: e.body.length, preview: preview(e.body) } } : {};
      o.out(json({ ...base, size: e.size, channel: e.channel, frame: FRAME_NAMES[e.frameType], ...fields, ...header, ...body, latencyMs: latency?.ms, after: latency?.kind, error: e.error }));
      return;
    }
    let details = '';
    if (e.method) details = Object.entries(shownFields(e.method)).map(([k, v]) => `${k}=${text(v)}`).join(' ');
    else if (e.header) {
      const props = Object.entries(e.header.properties).filter(([, v]) => v !== undefined);
      details = [`size=${String(e.header.bodySize)}`, ...props.map(([k, v]) => `${k}=${text(v)}`)].join(' ');
    } else if (e.body) details = `${e.body.length} B ${preview(e.body)}`;
    if (e.error) details = paint(o.color, '31', `error: ${e.error}`);
    if (latency) details += paint(o.color, '33', `  (${latency.ms.toFixed(1)} ms after ${latency.kind})`);
    o.out(this.line(time, conn, dir, e.offset, `ch ${e.channel}`, e.method ? paint(o.color, '1', label) : label, details));
  }

  /** Remembers a request, or matches a reply to the request it answers. */
  private latency(c: Conn, dir: Direction, channel: number, kind: string, time: number | undefined): { ms: number; kind: string } | undefined {
    const w = c.waiting.get(channel);
    let out: { ms: number; kind: string } | undefined;
    if (w && w.dir !== dir && w.responses.includes(kind)) {
      c.waiting.delete(channel);
      if (time !== undefined) out = { ms: time - w.time, kind: w.kind };
    }
    const def = registry.byKind(kind);
    if (def && def.synchronous && def.responses.length > 0 && time !== undefined) c.waiting.set(channel, { dir, kind, responses: def.responses, time });
    return out;
  }

  private line(time: number | undefined, conn: number, dir: Direction, offset: number, ch: string, kind: string, details: string): string {
    const o = this.o;
    const cols: string[] = [];
    if (o.live) cols.push(paint(o.color, '2', clock(time)), `#${conn}`.padEnd(3), paint(o.color, dir === 'c2s' ? '36' : '35', ARROW[dir]));
    cols.push(paint(o.color, '2', `@${offset}`.padStart(8)), ch.padEnd(8), padVisible(kind, 34), details);
    return cols.join('  ').trimEnd();
  }
}

function padVisible(s: string, n: number): string {
  // eslint-disable-next-line no-control-regex
  const visible = s.replace(/\x1b\[[0-9;]*m/g, '').length;
  return s + ' '.repeat(Math.max(0, n - visible));
}

function iso(t: number | undefined): string | undefined {
  return t === undefined ? undefined : new Date(t).toISOString();
}

/** Time of day (UTC) with microseconds when the capture has them. */
function clock(t: number | undefined): string {
  if (t === undefined) return ''.padEnd(15);
  const d = new Date(Math.floor(t));
  const micro = Math.floor((t % 1000) * 1000) % 1000000;
  return `${d.toISOString().slice(11, 19)}.${String(micro).padStart(6, '0')}`;
}
