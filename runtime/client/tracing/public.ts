/**
 * Tracing as the package exports it: the `tracing` channels and the events that carry a
 * message, typed with the client's Message. Tracing itself (channels.ts, operations.ts,
 * process.ts) declares those events over the message's type and reads messages through the
 * narrow `TracedMessage`, so that the public classes can call into it without an import cycle;
 * this file names Message, and only the package's entry points (runtime/index.ts, warren/otel)
 * import it. The objects are the same: the client hands tracing its Messages.
 */
import type { TracingChannel } from '../../io/tracing-channel.js';
import type { Message } from '../message.js';
import { tracing as channels } from './channels.js';
import type { ConnectionEvent, GetEventOf, ProcessEventOf, PublishEvent, RpcEventOf, SettleEventOf } from './events.js';

export type { TraceEndpoint, TraceOutcome, PublishOutcome, PublishEvent, DeliveryFields, ConnectionEvent } from './events.js';

/** The event of `warren:get` (basic.get). The delivery fields are set when a message came back. */
export interface GetEvent extends GetEventOf<Message> {}

/** The event of `warren:process`: one delivery handed to a callback or to a `for await` loop. */
export interface ProcessEvent extends ProcessEventOf<Message> {}

/** The event of `warren:settle` (ack, nack or reject of a delivery). */
export interface SettleEvent extends SettleEventOf<Message> {}

/** The event of `warren:rpc` (RpcClient.call). */
export interface RpcEvent extends RpcEventOf<Message> {}

/**
 * The TracingChannels (node:diagnostics_channel), named `warren:<operation>`: subscribe with
 * `diagnostics_channel.tracingChannel('warren:publish').subscribe({ start, end, asyncStart, asyncEnd, error })`.
 * warren publishes to one when its `start` channel has subscribers. Where the runtime has no
 * node:diagnostics_channel they are inert: nothing is published and subscribing does nothing.
 */
// The cast names the message type the events carry: every message the client hands tracing
// (Channel.get, the consumers, settlement, RpcClient.call) is a Message; TracingChannel is
// invariant in its event type, so the narrower channels.ts typing does not widen by itself.
export const tracing = channels as unknown as {
  publish: TracingChannel<unknown, PublishEvent>;
  get: TracingChannel<unknown, GetEvent>;
  process: TracingChannel<unknown, ProcessEvent>;
  settle: TracingChannel<unknown, SettleEvent>;
  rpc: TracingChannel<unknown, RpcEvent>;
  connect: TracingChannel<unknown, ConnectionEvent>;
  close: TracingChannel<unknown, ConnectionEvent>;
  recovery: TracingChannel<unknown, ConnectionEvent>;
};
