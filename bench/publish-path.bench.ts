/**
 * The client's own cost per publish, with no broker and no socket: warren's native API beside
 * warren/amqplib (the compat layer) on the same scripted server over the in-memory transport,
 * with the loops of the broker bench's adapters (bench/harness/adapters/warren.mjs and
 * amqplib.mjs): `await ch.publish()` per message against `sendToQueue()` with `drain`; with
 * confirms, a window of 1000 (warren: a promise per publish; amqplib: a callback per publish).
 * After the handshake the server only counts the client's basic.publish frames and, on a
 * confirm channel, acks what came in one event-loop turn with one multiple basic.ack, so nearly
 * all the CPU measured is the client's. Runs are interleaved; CPU µs per publish, medians (min-max).
 *
 *   npx tsx bench/publish-path.bench.ts            # N=200000 REPS=5
 */
import { once } from 'node:events';
import { connect } from 'warren';
import amqp from 'warren/amqplib';
import { FrameParser } from '../runtime/frame/index.js';
import { ScriptedBroker } from '../test/helpers/scripted-peer.js';
import { memoryTransport, type MemoryTransport } from '../runtime/io/memory-transport.js';

const N = Number(process.env.N ?? 200_000);
const REPS = Number(process.env.REPS ?? 5);
const WINDOW = 1000;
const BODY = Buffer.alloc(16, 0x78);

/** ScriptedBroker for the handshake; then a counter of publishes that acks them per chunk on confirm channels. */
class CountingBroker extends ScriptedBroker {
  /** After the first publish: count frames instead of decoding them (publishes, and the closes that end a run). */
  lean = false;
  published = 0;
  readonly #parser = new FrameParser({ frameMax: 0 });
  readonly #confirmed = new Map<number, number>();

  constructor(end: MemoryTransport) {
    super(end);
    this.on('basic.publish', (m) => {
      this.lean = true; // from the first publish on, count cheaply
      this.#count(m.channel);
      this.#ackSoon();
      return true;
    });
  }

  override data(chunk: Uint8Array): void {
    if (!this.lean) return super.data(chunk);
    this.#parser.push(chunk.slice());
    for (let f = this.#parser.next(); f; f = this.#parser.next()) {
      // a method frame of class 60 (basic), method 40 (publish)
      if (f.type !== 1) continue;
      const classId = f.payload[1];
      const methodId = f.payload[3];
      if (classId === 60 && methodId === 40) this.#count(f.channel);
      else if (classId === 20 && methodId === 40) this.method(f.channel, { kind: 'channel.close-ok' });
      else if (classId === 10 && methodId === 50) {
        this.method(0, { kind: 'connection.close-ok' });
        this.end.end();
      }
    }
    this.#ackSoon();
  }

  #ackScheduled = false;

  /** Acks once per event-loop turn, as a broker acks a burst of publishes together. */
  #ackSoon(): void {
    if (this.#ackScheduled) return;
    this.#ackScheduled = true;
    setImmediate(() => {
      this.#ackScheduled = false;
      this.#ack();
    });
  }

  #count(channel: number): void {
    this.published++;
    const seq = this.confirms.get(channel);
    if (seq !== undefined) {
      this.confirms.set(channel, seq + 1);
      this.#confirmed.set(channel, seq);
    }
  }

  /** One multiple basic.ack per channel with new publishes, written by hand (a Writer per frame would cost more than the client). */
  #ack(): void {
    for (const [channel, tag] of this.#confirmed) {
      const f = new Uint8Array(21);
      const v = new DataView(f.buffer);
      v.setUint8(0, 1); // method frame
      v.setUint16(1, channel);
      v.setUint32(3, 13); // class, method, delivery tag, bits
      v.setUint16(7, 60); // basic
      v.setUint16(9, 80); // ack
      v.setBigUint64(11, BigInt(tag));
      v.setUint8(19, 1); // multiple
      v.setUint8(20, 0xce);
      this.send(f);
    }
    this.#confirmed.clear();
  }
}

let broker!: CountingBroker;
/** Each connection gets a CountingBroker of its own. */
const counting = memoryTransport((server) => {
  broker = new CountingBroker(server);
});

async function warrenNative(confirm: boolean): Promise<() => Promise<void>> {
  const conn = await connect('amqp://bench', { transport: counting });
  const ch = await conn.channel();
  if (confirm) await ch.confirmSelect();
  return async () => {
    if (!confirm) {
      for (let i = 0; i < N; i++) await ch.publish('', 'q', BODY);
    } else {
      await new Promise<void>((resolve, reject) => {
        let next = 0;
        let inflight = 0;
        let done = 0;
        const ok = (): void => {
          inflight--;
          if (++done === N) resolve();
          else pump();
        };
        const pump = (): void => {
          while (next < N && inflight < WINDOW) {
            inflight++;
            next++;
            ch.publish('', 'q', BODY).then(ok, reject);
          }
        };
        pump();
      });
    }
    await conn.close();
  };
}

async function compat(confirm: boolean): Promise<() => Promise<void>> {
  const model = await amqp.connect('amqp://bench', { warren: { transport: counting } } as never);
  if (!confirm) {
    const ch = await model.createChannel();
    return async () => {
      for (let i = 0; i < N; i++) if (!ch.sendToQueue('q', BODY)) await once(ch, 'drain');
      await model.close();
    };
  }
  const cc = await model.createConfirmChannel();
  return async () => {
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let inflight = 0;
      let done = 0;
      let waitingDrain = false;
      const onConfirm = (err: Error | null): void => {
        if (err) return reject(err);
        inflight--;
        if (++done === N) resolve();
        else if (!waitingDrain) pump();
      };
      const pump = (): void => {
        while (next < N && inflight < WINDOW) {
          inflight++;
          next++;
          if (!cc.sendToQueue('q', BODY, {}, onConfirm)) {
            waitingDrain = true;
            cc.once('drain', () => {
              waitingDrain = false;
              pump();
            });
            return;
          }
        }
      };
      pump();
    });
    await model.close();
  };
}

const CASES: Record<string, () => Promise<() => Promise<void>>> = {
  'publish, warren': () => warrenNative(false),
  'publish, amqplib-compat': () => compat(false),
  'publish + confirms, warren': () => warrenNative(true),
  'publish + confirms, amqplib-compat': () => compat(true),
};
const only = process.env.CASES?.split(',');
const results = new Map<string, number[]>();
for (let rep = -1; rep < REPS; rep++) {
  for (const [name, make] of Object.entries(CASES)) {
    if (only && !only.some((o) => name.includes(o))) continue;
    const go = await make();
    const cpu0 = process.cpuUsage();
    await go();
    const cpu = process.cpuUsage(cpu0);
    if (broker.published < N) throw new Error(`${name}: the server counted ${broker.published} publishes of ${N}`);
    if (rep < 0) continue; // warm-up round
    results.set(name, [...(results.get(name) ?? []), (cpu.user + cpu.system) / N]);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`N=${N} REPS=${REPS}, ${process.version}`);
console.log('| case | CPU µs / publish, median (min-max) |');
console.log('|---|---|');
for (const [name, xs] of results) console.log(`| ${name} | ${median(xs).toFixed(3)} (${Math.min(...xs).toFixed(3)}-${Math.max(...xs).toFixed(3)}) |`);
process.exit(0);
