/**
 * Capture files: tcpdump's pcap (both byte orders, micro- and nanosecond timestamps) and pcapng
 * (section header, interface description with if_tsresol, enhanced, simple and obsolete packet
 * blocks), read whole from memory into packets with their link type and time in milliseconds.
 * Our own small reader: the npm parsers for these formats are unmaintained or stream-only, and
 * both formats fit in a page (see the pcap-savefile man page and the pcapng draft,
 * draft-ietf-opsawg-pcapng).
 */

/** One captured packet. */
export interface Packet {
  /** Milliseconds since the epoch, with the capture's sub-millisecond precision. */
  readonly time: number;
  /** LINKTYPE_* of the interface (1 Ethernet, 0 BSD loopback, 101 raw IP, 113/276 Linux cooked...). */
  readonly linkType: number;
  readonly data: Uint8Array;
}

/** Reads every packet of a pcap or pcapng file; throws an Error naming what is wrong. */
export function readCapture(file: Uint8Array): Packet[] {
  if (file.length < 4) throw new Error('not a capture file: shorter than 4 bytes');
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magic = dv.getUint32(0, false);
  if (magic === 0x0a0d0d0a) return pcapng(file, dv);
  const kinds: Record<number, [little: boolean, nanos: boolean]> = {
    0xa1b2c3d4: [false, false], 0xd4c3b2a1: [true, false], 0xa1b23c4d: [false, true], 0x4d3cb2a1: [true, true],
  };
  const kind = kinds[magic];
  if (!kind) throw new Error(`not a pcap or pcapng file (magic 0x${magic.toString(16).padStart(8, '0')})`);
  const [le, nanos] = kind;
  const linkType = dv.getUint32(20, le) & 0x0fffffff;
  const out: Packet[] = [];
  for (let p = 24; p + 16 <= file.length; ) {
    const sec = dv.getUint32(p, le);
    const frac = dv.getUint32(p + 4, le);
    const len = dv.getUint32(p + 8, le);
    if (p + 16 + len > file.length) throw new Error(`pcap record at offset ${p} is truncated (${len} bytes declared)`);
    out.push({ time: sec * 1000 + (nanos ? frac / 1e6 : frac / 1e3), linkType, data: file.subarray(p + 16, p + 16 + len) });
    p += 16 + len;
  }
  return out;
}

function pcapng(file: Uint8Array, dv: DataView): Packet[] {
  const out: Packet[] = [];
  let le = true;
  let ifaces: { linkType: number; unitsPerMs: number }[] = [];
  for (let p = 0; p + 12 <= file.length; ) {
    if (dv.getUint32(p, false) === 0x0a0d0d0a) {
      const bom = dv.getUint32(p + 8, true);
      if (bom === 0x1a2b3c4d) le = true;
      else if (bom === 0x4d3c2b1a) le = false;
      else throw new Error(`pcapng section at offset ${p} has a bad byte-order magic`);
      ifaces = [];
    }
    const type = dv.getUint32(p, le);
    const len = dv.getUint32(p + 4, le);
    if (len < 12 || len % 4 !== 0 || p + len > file.length) throw new Error(`pcapng block at offset ${p} has a bad length ${len}`);
    const body = p + 8;
    if (type === 1) {
      ifaces.push({ linkType: dv.getUint16(body, le), unitsPerMs: tsresol(dv, body + 8, p + len - 4, le) });
    } else if (type === 6 || type === 2) {
      const iface = type === 6 ? dv.getUint32(body, le) : dv.getUint16(body, le);
      const i = ifaces[iface];
      if (!i) throw new Error(`pcapng packet at offset ${p} names interface ${iface}, which was not described`);
      const ts = dv.getUint32(body + 4, le) * 4294967296 + dv.getUint32(body + 8, le);
      const cap = dv.getUint32(body + 12, le);
      out.push({ time: ts / i.unitsPerMs, linkType: i.linkType, data: file.subarray(body + 20, body + 20 + cap) });
    } else if (type === 3) {
      const i = ifaces[0];
      if (!i) throw new Error(`pcapng simple packet at offset ${p} before any interface`);
      const orig = dv.getUint32(body, le);
      out.push({ time: NaN, linkType: i.linkType, data: file.subarray(body + 4, body + 4 + Math.min(orig, len - 16)) });
    }
    p += len;
  }
  return out;
}

/** Timestamp units per millisecond from an interface's options (if_tsresol, code 9; default µs). */
function tsresol(dv: DataView, from: number, to: number, le: boolean): number {
  for (let o = from; o + 4 <= to; ) {
    const code = dv.getUint16(o, le);
    const len = dv.getUint16(o + 2, le);
    if (code === 0) break;
    if (code === 9 && len >= 1) {
      const v = dv.getUint8(o + 4);
      const units = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
      return units / 1000;
    }
    o += 4 + ((len + 3) & ~3);
  }
  return 1000;
}
