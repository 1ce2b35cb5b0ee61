// Codec adapter: warren's codec (dist/codec.js), driven as the runtime drives it.
// encode: basic.publish + BasicProperties + body into one reused Writer (writeContentFrames),
//   the bytes then copied out as the connection's Output does for a socket write.
// decode: FrameParser over 64 KiB chunks + method decode + content-header decode with full
//   BasicProperties + body view: the sans-io core's own path (ConnectionCore.receive), with the
//   generated registry, counting deliveries from its `content` events.
import { readFileSync } from 'node:fs';
import { ConnectionCore, plain } from '../../../dist/protocol.js';
import { Writer, registry, writeContentFrames, writeMethodFrame } from '../../../dist/codec.js';

export const name = 'warren';
export const version = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version;
export const encodeWhat =
  'writeContentFrames (method + BasicProperties + body) into one Writer, as the connection does: publishes accumulate and the bytes are copied out once per 64 KiB (one socket write); frameMax 131072';
export const decodeWhat = 'ConnectionCore.receive on 64 KiB chunks: FrameParser (zero-copy), generated decoders, full BasicProperties, content assembly into one event per delivery';

export function encoder({ routingKey, body }) {
  const w = new Writer(64 * 1024);
  const def = registry.byKind('basic.publish');
  const props = registry.properties(60);
  const properties = {};
  return {
    encode() {
      writeContentFrames(w, 1, def, { kind: 'basic.publish', exchange: '', routingKey, mandatory: false, immediate: false }, props, properties, body, 131072);
      if (w.pos < 65536) return w.pos;
      const out = w.buf.slice(0, w.pos); // what Output.take() does before a socket write
      w.pos = 0;
      return out;
    },
  };
}

export function decoder() {
  let messages = 0;
  const core = new ConnectionCore(
    { vhost: '/', mechanisms: [plain('guest', 'guest')], clientProperties: {}, tune: { channelMax: 0, frameMax: 131072, heartbeat: 0 }, connectionTimeout: 1e9 },
    (e) => {
      if (e.type === 'content') messages++;
    },
  );
  // Bring the core to "open with channel 1 open" the honest way: feed it a server's handshake.
  const server = (channel, method) => {
    const w = new Writer(1024);
    writeMethodFrame(w, channel, registry.byKind(method.kind), method);
    return w.buf.slice(0, w.pos);
  };
  const text = (s) => new TextEncoder().encode(s);
  core.start(0);
  core.receive(server(0, { kind: 'connection.start', versionMajor: 0, versionMinor: 9, serverProperties: {}, mechanisms: text('PLAIN'), locales: text('en_US') }), 0);
  core.receive(server(0, { kind: 'connection.tune', channelMax: 0, frameMax: 131072, heartbeat: 0 }), 0);
  core.receive(server(0, { kind: 'connection.open-ok' }), 0);
  core.openChannel();
  core.receive(server(1, { kind: 'channel.open-ok' }), 0);
  core.takeOutput(0);
  if (core.state !== 'open' || core.channelState(1)?.state !== 'open') throw new Error('benchmark core did not open');
  return {
    decode(chunks) {
      messages = 0;
      for (const c of chunks) core.receive(c, 0);
      return messages;
    },
  };
}
