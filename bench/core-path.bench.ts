/**
 * The protocol core alone on the delivery path: ConnectionCore (warren/protocol) fed a chunk of
 * CHUNK basic.deliver triples (16-byte bodies, RabbitMQ's tag format) again and again, as a
 * socket read would bring them, with an event listener that only counts. What it measures is
 * frames → content events: parsing, method and header decoding, content assembly, body copy
 * (with reusedChunks, as the Node transport reads). No client objects, no acks.
 *
 *   npx tsx bench/core-path.bench.ts            # N=2000000 CHUNK=100 REPS=5
 */
import { ScriptedPeer } from '../test/helpers/scripted-peer.js';

const N = Number(process.env.N ?? 2_000_000);
const CHUNK = Number(process.env.CHUNK ?? 100);
const REPS = Number(process.env.REPS ?? 5);

function run(): number {
  let events = 0;
  const peer = new ScriptedPeer({ reusedChunks: true });
  peer.handshake();
  const ch = peer.openChannel();
  peer.events.push = () => ++events; // from here on: count, keep nothing
  const one = peer.content(ch, { kind: 'basic.deliver', consumerTag: 'amq.ctag-Lz0Kq3tXbC1u9HkWmYpR2A', deliveryTag: 1, redelivered: false, exchange: '', routingKey: 'feed' } as never, {}, new Uint8Array(16).fill(0x78));
  const chunk = new Uint8Array(one.length * CHUNK);
  for (let i = 0; i < CHUNK; i++) chunk.set(one, i * one.length);
  const rounds = Math.ceil(N / CHUNK);
  const t0 = process.cpuUsage();
  for (let i = 0; i < rounds; i++) peer.core.receive(chunk, 1000);
  const t = process.cpuUsage(t0);
  if (events < rounds * CHUNK) throw new Error(`only ${events} events`);
  return ((t.user + t.system) * 1000) / (rounds * CHUNK);
}

run();
const xs = Array.from({ length: REPS }, run).sort((a, b) => a - b);
console.log(`core: ${xs[Math.floor(REPS / 2)]!.toFixed(0)} ns per delivery (min ${xs[0]!.toFixed(0)}, max ${xs[REPS - 1]!.toFixed(0)}), N=${N} CHUNK=${CHUNK} ${process.version}`);
