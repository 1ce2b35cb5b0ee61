// warren/codec on its own: encode a publish (method + header + body frames) and parse it back,
// with no connection and no I/O. Run: npx tsx examples/codec.ts
import { FrameParser, Writer, basicProperties, basicPublish, decodeContentHeader, decodeMethod, registry, writeContentFrames } from '../runtime/exports/codec.js';

export function main(): { method: unknown; properties: unknown; body: string } {
  const w = new Writer();
  writeContentFrames(
    w,
    1, // channel
    basicPublish, // the generated MethodDef: typed, so the method below is checked
    { kind: 'basic.publish', exchange: '', routingKey: 'tasks', mandatory: false, immediate: false },
    basicProperties, // basic's content properties
    { contentType: 'text/plain', priority: 0, headers: { attempt: 1 } },
    new TextEncoder().encode('hello'),
    131072, // frame_max: bodies are split at frame_max - 8
  );
  const bytes = w.toBytes(); // three frames: method, content header, body

  const parser = new FrameParser({ frameMax: 131072 });
  parser.push(bytes);
  const method = decodeMethod(registry, parser.next()!.payload);
  const header = decodeContentHeader(registry, parser.next()!.payload);
  const body = new TextDecoder().decode(parser.next()!.payload);
  return { method, properties: header.properties, body };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(main());
