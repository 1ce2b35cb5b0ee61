/**
 * TCP streams out of captured packets: link layer → IPv4/IPv6 → TCP, then reassembly per
 * connection and direction.
 *
 * Theory of operation. A connection is keyed by its two endpoints. Its client is the side that
 * sent the SYN; when the capture starts mid-connection, the side whose first bytes are "AMQP",
 * else the side not on port 5672/5671. Each direction expects the next sequence number (from the
 * SYN, else from its first segment): a segment at that number is delivered at once, with any
 * buffered segments it makes contiguous; an earlier one (a retransmission) only for the part not
 * yet delivered; a later one is held until the gap fills. Packets are handled in capture order,
 * so both directions come out interleaved in time order. At the end, held segments behind a gap
 * are delivered after a `gap` notice (the frame decoder then resynchronises). IP fragments and
 * non-TCP packets are skipped.
 */
import type { Packet } from './capture.js';

/** What reassembly reports, in capture order. */
export type TcpEvent =
  | { readonly type: 'open'; readonly conn: number; readonly client: string; readonly server: string; readonly time: number }
  | { readonly type: 'data'; readonly conn: number; readonly fromClient: boolean; readonly data: Uint8Array; readonly time: number }
  | { readonly type: 'gap'; readonly conn: number; readonly fromClient: boolean; readonly bytes: number; readonly time: number }
  | { readonly type: 'close'; readonly conn: number; readonly time: number };

interface Segment {
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  readonly seq: number;
  readonly syn: boolean;
  readonly ack: boolean;
  readonly fin: boolean;
  readonly rst: boolean;
  readonly payload: Uint8Array;
}

interface Side {
  next: number | undefined;
  held: Map<number, Uint8Array>;
  fin: boolean;
}

interface Flow {
  readonly id: number;
  client: string | undefined;
  readonly sides: Map<string, Side>;
  opened: boolean;
  closed: boolean;
}

const AMQP_PORTS = new Set([5672, 5671]);

/** Reassembles the TCP connections of `packets` and calls `emit` for each event. */
export function reassemble(packets: Iterable<Packet>, emit: (e: TcpEvent) => void): void {
  const flows = new Map<string, Flow>();
  let ids = 0;
  let last = 0;
  for (const p of packets) {
    last = p.time;
    const s = segment(p);
    if (!s) continue;
    const from = `${s.src}:${s.sport}`;
    const to = `${s.dst}:${s.dport}`;
    const key = [from, to].sort().join(' ');
    let f = flows.get(key);
    if (!f || (f.closed && s.syn && !s.ack)) {
      f = { id: ++ids, client: undefined, sides: new Map(), opened: false, closed: false };
      flows.set(key, f);
    }
    if (s.syn && !s.ack) f.client = from;
    const side = f.sides.get(from) ?? { next: undefined, held: new Map(), fin: false };
    f.sides.set(from, side);
    if (s.syn) side.next = (s.seq + 1) >>> 0;
    if (s.payload.length > 0) {
      if (f.client === undefined) f.client = startsAmqp(s.payload) || AMQP_PORTS.has(s.dport) ? from : to;
      if (!f.opened) open(f, from, to, p.time, emit);
      side.next ??= s.seq;
      deliver(f, side, s.seq, s.payload, from === f.client, p.time, emit);
    }
    if (s.fin || s.rst) {
      side.fin = true;
      const both = [...f.sides.values()];
      if (f.opened && !f.closed && (s.rst || (both.length === 2 && both.every((x) => x.fin)))) {
        f.closed = true;
        emit({ type: 'close', conn: f.id, time: p.time });
      }
    }
  }
  for (const f of flows.values()) {
    if (!f.opened || f.closed) continue;
    for (const [from, side] of f.sides) {
      const fromClient = from === f.client;
      for (const seq of [...side.held.keys()].sort((a, b) => ((a - b) | 0))) {
        const data = side.held.get(seq)!;
        side.held.delete(seq);
        if (side.next !== undefined && seq !== side.next) emit({ type: 'gap', conn: f.id, fromClient, bytes: (seq - side.next) >>> 0, time: last });
        emit({ type: 'data', conn: f.id, fromClient, data, time: last });
        side.next = (seq + data.length) >>> 0;
      }
    }
    emit({ type: 'close', conn: f.id, time: last });
  }
}

function open(f: Flow, from: string, to: string, time: number, emit: (e: TcpEvent) => void): void {
  f.opened = true;
  const server = f.client === from ? to : from;
  emit({ type: 'open', conn: f.id, client: f.client!, server, time });
}

function deliver(f: Flow, side: Side, seq: number, payload: Uint8Array, fromClient: boolean, time: number, emit: (e: TcpEvent) => void): void {
  const behind = (side.next! - seq) | 0;
  if (behind > 0) {
    if (behind >= payload.length) return; // all seen before: a retransmission
    payload = payload.subarray(behind);
    seq = side.next!;
  }
  if (seq !== side.next) {
    side.held.set(seq, payload);
    return;
  }
  emit({ type: 'data', conn: f.id, fromClient, data: payload, time });
  side.next = (seq + payload.length) >>> 0;
  for (let more = side.held.get(side.next); more !== undefined; more = side.held.get(side.next)) {
    side.held.delete(side.next);
    emit({ type: 'data', conn: f.id, fromClient, data: more, time });
    side.next = (side.next + more.length) >>> 0;
  }
}

function startsAmqp(b: Uint8Array): boolean {
  return b[0] === 0x41 && b[1] === 0x4d && b[2] === 0x51 && b[3] === 0x50;
}

/** The TCP segment in a packet, or undefined for anything else. */
function segment(p: Packet): Segment | undefined {
  const d = p.data;
  let ip: number;
  let version: number;
  switch (p.linkType) {
    case 1: { // Ethernet, with up to two VLAN tags
      let at = 12;
      let type = (d[at]! << 8) | d[at + 1]!;
      while (type === 0x8100 || type === 0x88a8) {
        at += 4;
        type = (d[at]! << 8) | d[at + 1]!;
      }
      ip = at + 2;
      version = type === 0x0800 ? 4 : type === 0x86dd ? 6 : 0;
      break;
    }
    case 0: // BSD loopback: a 4-byte address family in the capturing host's byte order
      ip = 4;
      version = d[ip]! >> 4;
      break;
    case 113: ip = 16; version = ((d[14]! << 8) | d[15]!) === 0x0800 ? 4 : 6; break; // Linux cooked
    case 276: ip = 20; version = ((d[0]! << 8) | d[1]!) === 0x0800 ? 4 : 6; break; // Linux cooked v2
    case 101: case 12: case 14: case 228: case 229: ip = 0; version = d[0]! >> 4; break; // raw IP
    default: return undefined;
  }
  if (ip >= d.length) return undefined;
  let src: string;
  let dst: string;
  let tcp: number;
  let end: number;
  if (version === 4 && d[ip]! >> 4 === 4) {
    if (d[ip + 9] !== 6) return undefined;
    if ((((d[ip + 6]! << 8) | d[ip + 7]!) & 0x3fff) !== 0) return undefined; // a fragment
    tcp = ip + (d[ip]! & 0x0f) * 4;
    end = Math.min(d.length, ip + ((d[ip + 2]! << 8) | d[ip + 3]!)); // Ethernet padding is not payload
    src = d.subarray(ip + 12, ip + 16).join('.');
    dst = d.subarray(ip + 16, ip + 20).join('.');
  } else if (version === 6 && d[ip]! >> 4 === 6) {
    if (d[ip + 6] !== 6) return undefined; // extension headers: not handled
    tcp = ip + 40;
    end = Math.min(d.length, tcp + ((d[ip + 4]! << 8) | d[ip + 5]!));
    src = `[${v6(d.subarray(ip + 8, ip + 24))}]`;
    dst = `[${v6(d.subarray(ip + 24, ip + 40))}]`;
  } else return undefined;
  if (tcp + 20 > end) return undefined;
  const flags = d[tcp + 13]!;
  const dataAt = tcp + (d[tcp + 12]! >> 4) * 4;
  return {
    src, dst,
    sport: (d[tcp]! << 8) | d[tcp + 1]!,
    dport: (d[tcp + 2]! << 8) | d[tcp + 3]!,
    seq: ((d[tcp + 4]! << 24) | (d[tcp + 5]! << 16) | (d[tcp + 6]! << 8) | d[tcp + 7]!) >>> 0,
    fin: (flags & 1) !== 0, syn: (flags & 2) !== 0, rst: (flags & 4) !== 0, ack: (flags & 16) !== 0,
    payload: d.subarray(Math.min(dataAt, end), end),
  };
}

function v6(b: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}
