/**
 * The process events: a delivery handed to the application, by a consumer's callback, an async
 * iterator (`for await`) or a consumer's receive().
 *
 * A callback is traced around its call: `start`, the callback (inside a subscriber's `wrap`),
 * `end`, and `asyncStart`/`asyncEnd` when it returned a promise that settled. A hand-over to an
 * iterator or to receive() has no call to wrap: its event starts (`start`, `end`, `async: true`)
 * when the message is handed out and completes (`asyncStart`, `asyncEnd`) when the message is
 * settled, when the loop asks for the next message (receive() is called again), or when it
 * leaves (the consumer ends). State: per message, its open hand-over; per iterator or consumer,
 * the message it handed out last. Both are weak: a message dropped unsettled by an abandoned
 * loop is not kept alive by tracing.
 */
import { tracing } from './channels.js';
import { classify, deliveryFields, endpointOf, type TracedChannel } from './context.js';
import type { ProcessEventOf, TracedMessage } from './events.js';

type ProcessEvent = ProcessEventOf<TracedMessage>;

function processEvent(owner: unknown, queue: string, consumerTag: string, m: TracedMessage, mode: ProcessEvent['mode']): ProcessEvent {
  const ch = owner as Partial<TracedChannel>;
  const e = endpointOf(ch.connection, ch.id) as ProcessEvent;
  deliveryFields(e, m);
  e.queue = queue;
  e.consumerTag = consumerTag;
  e.message = m;
  e.mode = mode;
  e.async = false;
  return e;
}

/**
 * Runs a consumer callback for one delivery inside the process tracing channel; the caller calls
 * it only when `tracing.process` has subscribers.
 */
export function traceProcess<M extends TracedMessage>(owner: unknown, queue: string, consumerTag: string, m: M, handler: (m: M) => unknown): unknown {
  const tc = tracing.process;
  const ctx = processEvent(owner, queue, consumerTag, m, 'callback');
  return tc.start.runStores(ctx, () => {
    try {
      const result = ctx.wrap ? ctx.wrap(() => handler(m)) : handler(m);
      if (result !== null && typeof (result as Promise<unknown>)?.then === 'function') {
        ctx.async = true;
        const finish = (): void => (tc.asyncStart.publish(ctx), tc.asyncEnd.publish(ctx));
        (result as Promise<unknown>).then(finish, (e: unknown) => (classify(ctx, e), tc.error.publish(ctx), finish()));
      }
      return result;
    } catch (error) {
      classify(ctx, error);
      tc.error.publish(ctx);
      throw error;
    } finally {
      tc.end.publish(ctx);
    }
  });
}

/** Hand-overs not completed yet, by message. */
const handedOver = new WeakMap<TracedMessage, { ctx: ProcessEvent; iterator: object }>();
/** The message each iterator (or consumer, for receive()) handed out last. */
const current = new WeakMap<object, TracedMessage>();

/** Completes the open hand-over of `m`, if any (settlement calls it with 'settled'). */
export function completeHandOver(m: TracedMessage, how: NonNullable<ProcessEvent['completion']>): void {
  const open = handedOver.get(m);
  if (!open) return;
  handedOver.delete(m);
  if (current.get(open.iterator) === m) current.delete(open.iterator);
  open.ctx.completion = how;
  tracing.process.asyncStart.publish(open.ctx);
  tracing.process.asyncEnd.publish(open.ctx);
}

/** Starts the process event of a message handed to the application by `key` (an iterator, a consumer's receive()). */
function handOver(key: object, owner: unknown, consumer: { queue: string; consumerTag: string }, m: TracedMessage): void {
  const last = current.get(key);
  if (last) completeHandOver(last, 'next');
  // a next() that shares an earlier pending result hands over the same message: one event
  if (!tracing.process.start.hasSubscribers || handedOver.has(m)) return;
  const ctx = processEvent(owner, consumer.queue, consumer.consumerTag, m, 'iterator');
  ctx.async = true;
  tracing.process.start.publish(ctx);
  tracing.process.end.publish(ctx);
  // a no-ack delivery, or one already settled, completes with the next hand-over
  handedOver.set(m, { ctx, iterator: key });
  current.set(key, m);
}

function finishCurrent(key: object, how: 'next' | 'return'): void {
  const m = current.get(key);
  if (m) completeHandOver(m, how);
}

/**
 * A consumer ended (cancelled, closed, or lost with its channel): the message its last
 * receive() handed over completes now, as no later receive() will complete it.
 */
export function consumerEnded(consumer: object): void {
  finishCurrent(consumer, 'return');
}

/**
 * An async iterator whose hand-overs are traced: each message handed out starts a process event
 * that completes when it is settled, or when the loop calls next() again or leaves.
 */
export function traceIterator<M extends TracedMessage>(owner: unknown, consumer: { queue: string; consumerTag: string }, it: AsyncIterator<M>): AsyncIterator<M> {
  const key = {};
  return {
    next: () => {
      finishCurrent(key, 'next');
      return it.next().then((r) => {
        if (!r.done) handOver(key, owner, consumer, r.value);
        return r;
      });
    },
    return: () => {
      finishCurrent(key, 'return');
      return it.return ? it.return() : Promise.resolve({ value: undefined, done: true });
    },
  };
}

/**
 * A consumer's receive(), traced like an iterator's next(): the message that `receive` (the
 * plain receive) resolves with starts a process event that completes when it is settled or at
 * the next receive() on the consumer.
 */
export function traceReceive<M extends TracedMessage | null>(owner: unknown, consumer: { queue: string; consumerTag: string }, receive: () => Promise<M>): Promise<M> {
  finishCurrent(consumer, 'next');
  return receive().then((m) => {
    if (m) handOver(consumer, owner, consumer, m);
    return m;
  });
}
