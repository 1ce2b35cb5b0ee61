/**
 * The in-memory attachment: a warren `TransportFactory` whose every connection attempt gets a
 * fresh in-memory pipe (runtime/io/memory-transport.ts), the server end served by the test
 * broker. No socket, no port: `connect(url, { transport })` reaches the broker in-process, and a
 * recovering connection gets a new pipe for each attempt.
 */
import { memoryTransport, type MemoryTransport } from '../io/memory-transport.js';
import type { TransportFactory } from '../io/transport.js';
import type { ByteTransport } from './connection.js';

/** What the attachment needs: a broker that serves a byte transport. */
export interface AcceptsTransports {
  accept(transport: ByteTransport): { receive(bytes: Uint8Array): void; closed(): void };
}

/** Serves the server end of one in-memory pipe. */
export function serveMemoryEnd(broker: AcceptsTransports, server: MemoryTransport): void {
  const side = broker.accept({ write: (bytes) => server.write(bytes), close: () => server.end() });
  server.start({ data: (chunk) => side.receive(chunk), drain: () => {}, error: () => {}, closed: () => side.closed() });
}

/** A TransportFactory for warren's `connect()` that connects to `broker` in memory. */
export function memoryAttachment(broker: AcceptsTransports): TransportFactory {
  return memoryTransport((server) => serveMemoryEnd(broker, server));
}
