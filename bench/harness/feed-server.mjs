#!/usr/bin/env node
// A scripted AMQP 0-9-1 server that only feeds deliveries: every client gets the same stream of
// bytes, so the client's CPU per delivery can be compared without the broker's pacing (which,
// on a loaded machine, decides how many deliveries each socket read brings, and so most of a
// consumer's CPU per message). It answers the handshake and the few methods a consumer sends
// (channel.open, basic.qos, queue.declare, confirm.select, basic.consume, basic.cancel, the
// closes), then writes basic.deliver + header + body triples (--size bytes, 16 by default) in writes of --chunk
// deliveries, as fast as the socket takes them, never more than the channel's prefetch
// unsettled (acks, nacks and rejects, single or multiple, settle), --n per connection.
//
// Written by hand from the spec's byte layouts, sharing no code with any client under test.
// Prints `port <n>` on stdout once listening. Used by feed.mjs.
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({ options: { n: { type: 'string', default: '200000' }, chunk: { type: 'string', default: '100' }, size: { type: 'string', default: '16' } } });
const N = Number(a.n);
const CHUNK = Number(a.chunk);
const SIZE = Number(a.size);

// ------------------------------------------------------------------ encoding
class Out {
  constructor() {
    this.buf = Buffer.alloc(4096);
    this.pos = 0;
  }
  u8(v) { this.buf.writeUInt8(v, this.pos); this.pos += 1; return this; }
  u16(v) { this.buf.writeUInt16BE(v, this.pos); this.pos += 2; return this; }
  u32(v) { this.buf.writeUInt32BE(v, this.pos); this.pos += 4; return this; }
  u64(v) { this.buf.writeBigUInt64BE(BigInt(v), this.pos); this.pos += 8; return this; }
  short(s) { const b = Buffer.from(s); this.u8(b.length); b.copy(this.buf, this.pos); this.pos += b.length; return this; }
  long(s) { const b = Buffer.from(s); this.u32(b.length); b.copy(this.buf, this.pos); this.pos += b.length; return this; }
  bytes() { return this.buf.subarray(0, this.pos); }
}

/** A method frame: `args` writes the arguments into an Out. */
function method(channel, classId, methodId, args = () => {}) {
  const p = new Out().u16(classId).u16(methodId);
  args(p);
  const payload = p.bytes();
  const f = Buffer.alloc(8 + payload.length);
  f.writeUInt8(1, 0);
  f.writeUInt16BE(channel, 1);
  f.writeUInt32BE(payload.length, 3);
  payload.copy(f, 7);
  f.writeUInt8(0xce, 7 + payload.length);
  return f;
}

function table(out, entries) {
  const t = new Out();
  for (const [k, v] of entries) {
    t.short(k);
    if (typeof v === 'boolean') t.u8(0x74).u8(v ? 1 : 0);
    else if (typeof v === 'string') t.u8(0x53).long(v);
    else {
      t.u8(0x46);
      table(t, Object.entries(v));
    }
  }
  const b = t.bytes();
  out.u32(b.length);
  b.copy(out.buf, out.pos);
  out.pos += b.length;
}

const START = method(0, 10, 10, (o) => {
  o.u8(0).u8(9);
  table(o, [
    ['product', 'feed-server'],
    ['version', '1'],
    ['capabilities', { publisher_confirms: true, exchange_exchange_bindings: true, 'basic.nack': true, consumer_cancel_notify: true, 'connection.blocked': true, per_consumer_qos: true, authentication_failure_close: true }],
  ]);
  o.long('PLAIN AMQPLAIN').long('en_US');
});
const TUNE = method(0, 10, 30, (o) => o.u16(2047).u32(131072).u16(0));

/** `CHUNK` deliveries on `channel` for `tag`, and the offset of each one's delivery tag. */
function deliveries(channel, consumerTag) {
  const m = method(channel, 60, 60, (o) => o.short(consumerTag).u64(0).u8(0).short('').short('feed'));
  const h = Buffer.alloc(7 + 14 + 1);
  h.writeUInt8(2, 0);
  h.writeUInt16BE(channel, 1);
  h.writeUInt32BE(14, 3);
  h.writeUInt16BE(60, 7);
  h.writeUInt16BE(0, 9);
  h.writeBigUInt64BE(BigInt(SIZE), 11);
  h.writeUInt16BE(0, 19);
  h.writeUInt8(0xce, 21);
  const b = Buffer.alloc(8 + SIZE, 0x78);
  b.writeUInt8(3, 0);
  b.writeUInt16BE(channel, 1);
  b.writeUInt32BE(SIZE, 3);
  b.writeUInt8(0xce, 7 + SIZE);
  const one = Buffer.concat([m, h, b]);
  const chunk = Buffer.alloc(one.length * CHUNK);
  const tagAt = [];
  for (let i = 0; i < CHUNK; i++) {
    one.copy(chunk, i * one.length);
    tagAt.push(i * one.length + 7 + 4 + 1 + Buffer.byteLength(consumerTag));
  }
  return { chunk, tagAt, size: one.length };
}

// ------------------------------------------------------------------ one connection
function serve(socket) {
  socket.setNoDelay(true);
  let input = Buffer.alloc(0);
  let headerSeen = false;
  const channels = new Map(); // channel -> { prefetch, feed }
  let ctags = 0;

  const channel = (id) => {
    let c = channels.get(id);
    if (!c) channels.set(id, (c = { prefetch: 0, feed: undefined }));
    return c;
  };

  socket.on('data', (d) => {
    input = input.length ? Buffer.concat([input, d]) : d;
    if (!headerSeen) {
      if (input.length < 8) return;
      headerSeen = true;
      input = input.subarray(8);
      socket.write(START);
    }
    while (input.length >= 7) {
      const size = input.readUInt32BE(3);
      if (input.length < 8 + size) break;
      const type = input.readUInt8(0);
      const ch = input.readUInt16BE(1);
      const p = input.subarray(7, 7 + size);
      input = input.subarray(8 + size);
      if (type === 1) onMethod(ch, p.readUInt16BE(0), p.readUInt16BE(2), p.subarray(4));
    }
  });
  socket.on('error', () => {});

  function onMethod(ch, classId, methodId, args) {
    const key = `${classId}.${methodId}`;
    switch (key) {
      case '10.11': return socket.write(TUNE); // start-ok
      case '10.31': return; // tune-ok
      case '10.40': return socket.write(method(0, 10, 41, (o) => o.short(''))); // open
      case '10.50': // connection.close
        socket.write(method(0, 10, 51));
        return socket.end();
      case '10.51': return socket.end();
      case '20.10': return socket.write(method(ch, 20, 11, (o) => o.u32(0))); // channel.open
      case '20.40': // channel.close
        channels.delete(ch);
        return socket.write(method(ch, 20, 41));
      case '60.10': // basic.qos: prefetch-size u32, prefetch-count u16
        channel(ch).prefetch = args.readUInt16BE(4);
        return socket.write(method(ch, 60, 11));
      case '85.10': // confirm.select
        if (!(args.readUInt8(0) & 1)) socket.write(method(ch, 85, 11));
        return;
      case '50.10': { // queue.declare: reserved u16, queue shortstr, bits
        const len = args.readUInt8(2);
        const queue = args.subarray(3, 3 + len).toString() || 'feed';
        if (!(args.readUInt8(3 + len) & 16)) socket.write(method(ch, 50, 11, (o) => o.short(queue).u32(0).u32(0)));
        return;
      }
      case '50.40': return socket.write(method(ch, 50, 41, (o) => o.u32(0))); // queue.delete
      case '60.20': { // basic.consume: reserved u16, queue, consumer-tag, bits, arguments
        const qlen = args.readUInt8(2);
        let at = 3 + qlen;
        const tlen = args.readUInt8(at);
        let tag = args.subarray(at + 1, at + 1 + tlen).toString();
        at += 1 + tlen;
        const bits = args.readUInt8(at);
        if (!tag) tag = `amq.ctag-feed-${++ctags}`;
        if (!(bits & 8)) socket.write(method(ch, 60, 21, (o) => o.short(tag)));
        startFeed(ch, tag, (bits & 2) !== 0);
        return;
      }
      case '60.30': { // basic.cancel
        const len = args.readUInt8(0);
        const tag = args.subarray(1, 1 + len).toString();
        const c = channels.get(ch);
        if (c?.feed) c.feed.stopped = true;
        if (!(args.readUInt8(1 + len) & 1)) socket.write(method(ch, 60, 31, (o) => o.short(tag)));
        return;
      }
      case '60.80': // ack: tag u64, multiple bit
      case '60.120': // nack: tag u64, bits (multiple, requeue)
        return settle(ch, Number(args.readBigUInt64BE(0)), (args.readUInt8(8) & 1) !== 0);
      case '60.90': // reject: tag u64, requeue
        return settle(ch, Number(args.readBigUInt64BE(0)), false);
      default:
        // Anything else a client sends before consuming (exchange.declare, queue.bind...) is
        // not part of this feed: say so loudly rather than hang.
        console.error(`feed-server: unexpected method ${key} on channel ${ch}`);
        socket.destroy();
    }
  }

  function startFeed(ch, tag, noAck) {
    const c = channel(ch);
    c.feed = { ...deliveries(ch, tag), noAck, sent: 0, settledCount: 0, lowest: 1, settled: new Uint8Array(N + 2), stopped: false, scheduled: false };
    pump(c);
  }

  function settle(ch, tag, multiple) {
    const f = channels.get(ch)?.feed;
    if (!f) return;
    const mark = (t) => {
      if (t >= 1 && t <= f.sent && !f.settled[t]) {
        f.settled[t] = 1;
        f.settledCount++;
      }
    };
    if (multiple) for (let t = f.lowest; t <= tag; t++) mark(t);
    else mark(tag);
    while (f.settled[f.lowest]) f.lowest++;
    schedule(channels.get(ch));
  }

  function schedule(c) {
    if (!c?.feed || c.feed.scheduled) return;
    c.feed.scheduled = true;
    setImmediate(() => {
      c.feed.scheduled = false;
      pump(c);
    });
  }

  function pump(c) {
    const f = c.feed;
    if (f.stopped || socket.destroyed || f.waitingDrain) return;
    while (f.sent < N) {
      const room = f.noAck || c.prefetch === 0 ? CHUNK : Math.min(CHUNK, c.prefetch - (f.sent - f.settledCount));
      if (room <= 0) return; // an ack reopens the window
      const n = Math.min(room, N - f.sent);
      for (let i = 0; i < n; i++) f.chunk.writeBigUInt64BE(BigInt(++f.sent), f.tagAt[i]);
      // a copy: the socket may still hold the previous write when the tags are rewritten
      const ok = socket.write(Buffer.from(f.chunk.subarray(0, n * f.size)));
      if (!ok) {
        f.waitingDrain = true;
        socket.once('drain', () => {
          f.waitingDrain = false;
          pump(c);
        });
        return;
      }
      if (!f.noAck && c.prefetch !== 0) continue;
      return schedule(c); // no window: one write per turn, so the server does not run away with the CPU
    }
  }
}

const server = createServer(serve);
server.listen(0, '127.0.0.1', () => console.log(`port ${server.address().port}`));
