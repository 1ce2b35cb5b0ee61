// Review of issue 11 (warren/otel): what a subscriber or an application can do that must neither
// break the client nor leave a span open.
import { afterEach, describe, expect, it } from 'vitest';
import { type Message } from 'warren';
import { instrument, type InstrumentOptions } from '../../../runtime/otel/index.js';
import { channel, queue } from '../messaging/fixture.js';
import { sdk, until, type Sdk } from './sdk.js';

let stop: (() => void) | undefined;
afterEach(() => {
  stop?.();
  stop = undefined;
});

function setup(options: InstrumentOptions = {}): Sdk {
  const s = sdk();
  stop = instrument({ tracerProvider: s.tracerProvider, meterProvider: s.meterProvider, ...options });
  return s;
}
const named = (s: Sdk, prefix: string) => s.spans().filter((x) => x.name.startsWith(prefix));

/** Errors that reached process 'uncaughtException' while `run` ran (and a tick after). */
async function uncaught(run: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const listeners = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  const on = (e: unknown) => void seen.push(e);
  process.on('uncaughtException', on);
  try {
    await run();
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    process.off('uncaughtException', on);
    for (const l of listeners) process.on('uncaughtException', l);
  }
  return seen;
}

describe('a hook that throws', () => {
  it('neither crashes the process nor leaves its span open, and the message is delivered', async () => {
    const hook = () => {
      throw new Error('hook bug');
    };
    const s = setup({ hooks: { publish: hook, process: hook, settle: hook } });
    const ch = await channel();
    const q = await queue(ch);
    let got: Message | undefined;
    const errors = await uncaught(async () => {
      const handled = new Promise<void>((resolve) => {
        void ch.consume(q, (m) => {
          got = m;
          m.ack();
          resolve();
        });
      });
      await ch.sendToQueue(q, 'hello');
      await handled;
    });
    expect(got?.text()).toBe('hello');
    expect(errors).toEqual([]);
    const [publish] = named(s, 'publish');
    expect(publish).toBeDefined();
    const [process] = await until(() => named(s, 'process'), (x) => x.length === 1, 'the process span');
    // the producer's context still went out in the headers
    expect(process!.spanContext().traceId).toBe(publish!.spanContext().traceId);
    expect(named(s, 'ack')).toHaveLength(1);
  });
});

describe('process spans of receive()', () => {
  it('end when the consumer is closed with a hand-over still open', async () => {
    const s = setup();
    const ch = await channel();
    const q = await queue(ch);
    await ch.sendToQueue(q, 'a');
    const consumer = await ch.consume(q, { noAck: true });
    expect((await consumer.receive({ timeout: 5000 }))?.text()).toBe('a');
    await consumer.close();
    await until(() => named(s, 'process'), (x) => x.length === 1, 'the process span to end after close()');
  });

  it('end when the iterator is left with break', async () => {
    const s = setup();
    const ch = await channel();
    const q = await queue(ch);
    await ch.sendToQueue(q, 'a');
    const consumer = await ch.consume(q, { noAck: true });
    for await (const m of consumer) {
      expect(m.text()).toBe('a');
      break;
    }
    await until(() => named(s, 'process'), (x) => x.length === 1, 'the process span to end after break');
  });
});
