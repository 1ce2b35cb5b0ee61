/**
 * A Python AMQP client (pika, or kombu over py-amqp) in a child process for the interop tests:
 * one process per test file, driven by JSON lines (test/interop/peer.py says what it takes and
 * answers). Debian's packages are installed on demand by scripts/lib/python-clients.mjs.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ensurePythonClients } from '../../scripts/lib/python-clients.mjs';

/** A Python value with its type, as peer.py spells it (`{ int: '5' }`, `{ bytes: 'ff00' }`...). */
export type Tagged =
  | { int: string } | { float: string } | { bool: boolean } | { str: string } | { bytes: string }
  | { decimal: string } | { datetime: number } | { none: null } | { dict: Record<string, Tagged> }
  | { list: Tagged[] } | { other: string };

/** A message as the Python client received it. */
export interface PeerMessage {
  body_hex: string;
  content_type: string | null;
  content_encoding: string | null;
  headers: Tagged | null;
  /** kombu's message.decode() */
  decoded?: Tagged;
  decode_error?: string;
  /** Python's zlib.decompress() of the body (pika only, when a compression header is present). */
  inflated_hex?: string;
}

/** What a publish from Python says (see peer.py). */
export interface PeerPublish {
  queue: string;
  body?: { hex: string } | { text: string };
  payload?: unknown;
  content_type?: string;
  content_encoding?: string;
  headers?: Tagged;
  serializer?: string;
  compression?: string;
  /** pika: send Python's zlib.compress() of the body. */
  zlib?: boolean;
}

export interface Peer {
  publish(p: PeerPublish): Promise<void>;
  /** basic.get with auto-ack; null when the queue is empty. */
  get(queue: string): Promise<PeerMessage | null>;
  close(): Promise<void>;
}

/** How long the first start may take: apt-get may install the Python clients first. */
export const PEER_START_TIMEOUT_MS = 300_000;

/** Starts `client` connected to `url`; resolves once it is connected. */
export async function startPeer(client: 'pika' | 'kombu', url: string): Promise<Peer> {
  const python = ensurePythonClients();
  const child: ChildProcessWithoutNullStreams = spawn(python, [fileURLToPath(new URL('./peer.py', import.meta.url)), client, url], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`the ${client} peer ended: ${stderr.trim()}`);
    const answer = JSON.parse(value as string) as Record<string, unknown>;
    if (answer.ok !== true) throw new Error(`${client}: ${String(answer.error)}`);
    return answer;
  };
  // One request at a time, in order: the answers come back in the same order.
  let queue: Promise<unknown> = next();
  const ask = (cmd: object): Promise<Record<string, unknown>> => {
    const answer = queue.then(() => {
      child.stdin.write(`${JSON.stringify(cmd)}\n`);
      return next();
    });
    queue = answer.catch(() => undefined);
    return answer;
  };
  await queue;
  return {
    publish: async (p) => void (await ask({ op: 'publish', ...p })),
    get: async (q) => (await ask({ op: 'get', queue: q })).message as PeerMessage | null,
    close: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end(`${JSON.stringify({ op: 'quit' })}\n`);
      await exited;
    },
  };
}

/** Hex of bytes (for bodies). */
export const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');
