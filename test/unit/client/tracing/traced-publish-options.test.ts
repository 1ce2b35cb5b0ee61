/**
 * A traced publish (a tracing subscriber is listening, as warren/otel does) honours the same
 * options as a plain one: its `timeout` and `signal` reach the publish. It once passed
 * `mandatory` and `signal` on and dropped `timeout`, so an instrumented application's publish
 * with a time limit waited for ever on a broker that never confirmed.
 */
import { tracingChannel } from 'node:diagnostics_channel';
import { afterEach, expect, it } from 'vitest';
import { connect, PublishTimeoutError } from 'warren';
import { ScriptedBroker } from '../../../helpers/scripted-peer.js';

const handlers = { start() {}, end() {}, asyncStart() {}, asyncEnd() {}, error() {} };
afterEach(() => tracingChannel('warren:publish').unsubscribe(handlers));

async function silentConfirmChannel() {
  // The broker takes publishes and never confirms them; one unconfirmed publish fills the window.
  const conn = await connect('amqp://scripted', { transport: ScriptedBroker.factory((b) => b.on('basic.publish', () => true)) });
  const ch = await conn.channel();
  await ch.confirmSelect({ maxUnconfirmed: 1 });
  return { conn, ch };
}

it.each([false, true])('a publish with a timeout rejects with PublishTimeoutError (traced: %s)', async (traced) => {
  if (traced) tracingChannel('warren:publish').subscribe(handlers);
  const { conn, ch } = await silentConfirmChannel();
  await expect(ch.publish('', 'q', new Uint8Array(1), { timeout: 30 })).rejects.toBeInstanceOf(PublishTimeoutError);
  await conn.close();
});

it.each([false, true])('a publish waiting for room in the confirm window stops when its signal aborts (traced: %s)', async (traced) => {
  if (traced) tracingChannel('warren:publish').subscribe(handlers);
  const { conn, ch } = await silentConfirmChannel();
  ch.publish('', 'q', new Uint8Array(1)).catch(() => undefined); // fills the window for good
  const ac = new AbortController();
  const waiting = ch.publish('', 'q', new Uint8Array(1), { signal: ac.signal });
  ac.abort(new Error('stop'));
  await expect(waiting).rejects.toThrow();
  await conn.close();
});
