/**
 * Test helper: rewrites a classic pcap file as pcapng (section header, one interface with
 * microsecond resolution, one enhanced packet block per record), so that the pcapng reader is
 * checked on the very packets tcpdump captured.
 */
export function pcapToPcapng(pcap: Uint8Array): Uint8Array {
  const dv = new DataView(pcap.buffer, pcap.byteOffset, pcap.byteLength);
  const le = dv.getUint32(0, true) === 0xa1b2c3d4;
  if (!le && dv.getUint32(0, false) !== 0xa1b2c3d4) throw new Error('pcapToPcapng: expects a microsecond pcap');
  const linkType = dv.getUint32(20, le);
  const blocks: Uint8Array[] = [];
  const block = (type: number, body: Uint8Array): void => {
    const padded = (body.length + 3) & ~3;
    const b = new Uint8Array(12 + padded);
    const v = new DataView(b.buffer);
    v.setUint32(0, type, true);
    v.setUint32(4, b.length, true);
    b.set(body, 8);
    v.setUint32(b.length - 4, b.length, true);
    blocks.push(b);
  };
  const shb = new Uint8Array(16);
  new DataView(shb.buffer).setUint32(0, 0x1a2b3c4d, true);
  new DataView(shb.buffer).setUint16(4, 1, true);
  new DataView(shb.buffer).setBigInt64(8, -1n, true);
  block(0x0a0d0d0a, shb);
  const idb = new Uint8Array(8 + 8 + 4); // linktype, reserved, snaplen, if_tsresol option (6 = µs), end of options
  const iv = new DataView(idb.buffer);
  iv.setUint16(0, linkType, true);
  iv.setUint32(4, 262144, true);
  iv.setUint16(8, 9, true);
  iv.setUint16(10, 1, true);
  idb[12] = 6;
  block(1, idb);
  for (let p = 24; p + 16 <= pcap.length; ) {
    const sec = dv.getUint32(p, le);
    const usec = dv.getUint32(p + 4, le);
    const len = dv.getUint32(p + 8, le);
    const orig = dv.getUint32(p + 12, le);
    const ts = BigInt(sec) * 1000000n + BigInt(usec);
    const epb = new Uint8Array(20 + len);
    const ev = new DataView(epb.buffer);
    ev.setUint32(4, Number(ts >> 32n), true);
    ev.setUint32(8, Number(ts & 0xffffffffn), true);
    ev.setUint32(12, len, true);
    ev.setUint32(16, orig, true);
    epb.set(pcap.subarray(p + 16, p + 16 + len), 20);
    block(6, epb);
    p += 16 + len;
  }
  const out = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}
