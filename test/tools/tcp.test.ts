/**
 * TCP reassembly on hand-made packets (Ethernet, IPv4, TCP): segments out of order, duplicated,
 * overlapping retransmissions, Ethernet padding, a capture that starts mid-connection, and a
 * gap that never fills. The real-capture test is test/integration/inspect/pcap.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Packet } from '../../tools/inspect/capture.js';
import { readCapture } from '../../tools/inspect/capture.js';
import { reassemble, type TcpEvent } from '../../tools/inspect/tcp.js';

const CLIENT = [127, 0, 0, 1, 40000] as const;
const SERVER = [127, 0, 0, 1, 5672] as const;

/** An Ethernet + IPv4 + TCP packet; `pad` adds Ethernet padding after the IP datagram. */
function tcp(from: readonly number[], to: readonly number[], seq: number, flags: { syn?: boolean; fin?: boolean; ack?: boolean }, data: string, pad = 0, time = 0): Packet {
  const payload = new TextEncoder().encode(data);
  const b = new Uint8Array(14 + 20 + 20 + payload.length + pad);
  const v = new DataView(b.buffer);
  v.setUint16(12, 0x0800);
  b[14] = 0x45;
  v.setUint16(16, 40 + payload.length);
  b[23] = 6;
  b.set(from.slice(0, 4), 26);
  b.set(to.slice(0, 4), 30);
  v.setUint16(34, from[4]!);
  v.setUint16(36, to[4]!);
  v.setUint32(38, seq >>> 0);
  b[46] = 5 << 4;
  b[47] = (flags.fin ? 1 : 0) | (flags.syn ? 2 : 0) | (flags.ack === false ? 0 : 16);
  b.set(payload, 54);
  return { time, linkType: 1, data: b };
}

function streams(packets: Packet[]): { c2s: string; s2c: string; events: TcpEvent[] } {
  const events: TcpEvent[] = [];
  let c2s = '';
  let s2c = '';
  reassemble(packets, (e) => {
    events.push(e);
    if (e.type === 'data') {
      const t = new TextDecoder().decode(e.data);
      if (e.fromClient) c2s += t;
      else s2c += t;
    }
  });
  return { c2s, s2c, events };
}

describe('reassemble', () => {
  it('orders segments, drops duplicates, trims overlapping retransmissions, ignores padding', () => {
    const c = 1000;
    const s = 0xfffffffa; // the server's sequence numbers wrap around 2^32 inside its first segment
    const out = streams([
      tcp(CLIENT, SERVER, c, { syn: true, ack: false }, ''),
      tcp(SERVER, CLIENT, s, { syn: true }, ''),
      tcp(CLIENT, SERVER, c + 1, {}, 'AMQP', 6),
      tcp(CLIENT, SERVER, c + 9, {}, 'world'), // before 'abcd' arrives
      tcp(CLIENT, SERVER, c + 5, {}, 'abcd'),
      tcp(CLIENT, SERVER, c + 5, {}, 'abcd'), // duplicate
      tcp(SERVER, CLIENT, s + 1, {}, 'start......'),
      tcp(SERVER, CLIENT, s + 7, {}, '.....-ok'), // overlaps 5 bytes already delivered
      tcp(CLIENT, SERVER, c + 14, { fin: true }, ''),
      tcp(SERVER, CLIENT, s + 15, { fin: true }, ''),
    ]);
    expect(out.c2s).toBe('AMQPabcdworld');
    expect(out.s2c).toBe('start......-ok');
    expect(out.events[0]).toMatchObject({ type: 'open', client: '127.0.0.1:40000', server: '127.0.0.1:5672' });
    expect(out.events.at(-1)).toMatchObject({ type: 'close' });
  });

  it('mid-connection: the side sending "AMQP" or not on port 5672 is the client', () => {
    const out = streams([tcp(SERVER, CLIENT, 500, {}, 'from server'), tcp(CLIENT, SERVER, 9, {}, 'from client')]);
    expect(out).toMatchObject({ c2s: 'from client', s2c: 'from server' });
    expect(out.events[0]).toMatchObject({ type: 'open', client: '127.0.0.1:40000' });
  });

  it('a gap that never fills is reported, then the rest is delivered', () => {
    const out = streams([tcp(CLIENT, SERVER, 1, { syn: true, ack: false }, ''), tcp(CLIENT, SERVER, 2, {}, 'ab'), tcp(CLIENT, SERVER, 10, {}, 'xyz')]);
    expect(out.c2s).toBe('abxyz');
    expect(out.events.filter((e) => e.type === 'gap')).toEqual([expect.objectContaining({ bytes: 6, fromClient: true })]);
  });
});

describe('readCapture', () => {
  it('refuses what is not a capture, naming the magic', () => {
    expect(() => readCapture(new Uint8Array([1, 2, 3, 4, 5]))).toThrow(/not a pcap or pcapng file \(magic 0x01020304\)/);
  });

  it('reads a little-endian nanosecond pcap', () => {
    const p = tcp(CLIENT, SERVER, 1, {}, 'x');
    const file = new Uint8Array(24 + 16 + p.data.length);
    const v = new DataView(file.buffer);
    v.setUint32(0, 0xa1b23c4d, true);
    v.setUint32(20, 1, true);
    v.setUint32(24, 1700000000, true);
    v.setUint32(28, 123456789, true);
    v.setUint32(32, p.data.length, true);
    v.setUint32(36, p.data.length, true);
    file.set(p.data, 40);
    const [packet] = readCapture(file);
    expect(packet!.time).toBeCloseTo(1700000000123.456789, 3);
    expect(packet!.linkType).toBe(1);
    expect(packet!.data).toEqual(p.data);
  });
});
