/**
 * How a channel restores itself across a connection loss: the only face of a channel that
 * recovery sees (recovery/replay.ts `ReplayChannel`). Recovery orders the steps; the channel
 * owns its state (aio-pika's robust channel, the Java client's recovery delegate).
 *
 * Theory of operation. `hold(error)`: the connection was lost and will come back: the channel
 * goes live → held (state.ts), a new epoch makes the deliveries from before stale, held acks are
 * dropped (the broker requeues what they would have settled), publishes pending a confirm fail
 * or wait to be republished, the consumers' tags die (each consumer waits). A channel that was
 * closing is simply closed. `reopen(link)`: the replay gave it a link on the new connection; it
 * re-applies its own settings (prefetch, confirm and tx modes). A channel opened with a number of
 * the application's choice (`connection.channel({ id })`, `fixedId`) is given that number again,
 * and such channels are re-opened before the others (`reopenOrder`): the new connection numbers
 * the others from 1 again, and one of them could otherwise take a chosen number first. `reconsume()` per recorded
 * consumer, then `endConsumersExcept()` for those that could not come back. `resume()`: held →
 * live, unconfirmed publishes go again (if asked), then the waiting ones.
 */
import type { AnyMethod } from '../../codec/index.js';
import type { Link } from '../session/link.js';
import type { ChannelSink } from '../session/session.js';
import type { ConsumerLike, Consuming, RecordedConsumer } from './consuming.js';
import type { Publishing } from './publishing.js';
import type { ChannelSettings } from './settings.js';
import type { Settlement } from './settlement.js';
import type { ChannelWire } from './state.js';

/** The channel as its restorer sees it (the Channel is one). */
export interface RestorableChannel extends ChannelSink {
  readonly key: number;
  readonly id: number;
  readonly isOpen: boolean;
  /** Counts the channel's lives; bumped on every loss and re-open. */
  epoch: number;
  method(kind: string, args: object | undefined): AnyMethod;
  requestNow(m: AnyMethod, signal: AbortSignal | undefined): Promise<unknown>;
  onClosed(error: Error | undefined): void;
}

/** The parts of a channel its restorer works on. */
export interface RestoreParts {
  readonly wire: ChannelWire;
  readonly settings: ChannelSettings;
  readonly settlement: Settlement;
  readonly publishing: Publishing;
  readonly consuming: Consuming<ConsumerLike>;
  /** The channel's `disconnected` and `recovered` events. */
  emit(event: 'disconnected', error: Error): void;
  emit(event: 'recovered'): void;
}

/** One channel's restoration; see the module comment. */
export class ChannelRestorer {
  /** The channel: the session's sink for its events. */
  readonly channel: RestorableChannel;
  readonly #p: RestoreParts;
  /** The number the application chose for the channel (connection.channel({ id })): asked for again on every re-open. */
  fixedId: number | undefined;

  constructor(channel: RestorableChannel, parts: RestoreParts) {
    this.channel = channel;
    this.#p = parts;
  }

  get key(): number {
    return this.channel.key;
  }

  get id(): number {
    return this.channel.id;
  }

  get isOpen(): boolean {
    return this.channel.isOpen;
  }

  /** The connection was lost and will be recovered: wait, keeping what can be kept. */
  hold(error: Error): void {
    const { wire, settlement, publishing, consuming } = this.#p;
    // A channel being closed when its connection died is closed: the broker dropped it with the connection.
    if (wire.state.name === 'closing') return this.channel.onClosed(undefined);
    if (wire.state.name !== 'live') return;
    wire.state.hold(error);
    this.channel.epoch++;
    settlement.reset(wire.link); // held acks die with the old channel: the broker requeues
    publishing.held(error);
    consuming.held();
    this.#p.emit('disconnected', error);
  }

  /** A link on the new connection; prefetch, confirm and tx modes re-applied. */
  async reopen(link: Link, opened: Promise<unknown>, signal: AbortSignal | undefined): Promise<void> {
    const { wire, settings } = this.#p;
    wire.link = link;
    wire.state.attach();
    this.channel.epoch++; // deliveries of an earlier, failed replay are stale too
    this.#p.settlement.reset(link);
    this.#p.consuming.reopened();
    await opened;
    for (const m of settings.replay()) await this.channel.requestNow(m, signal);
    if (settings.confirmWindow !== undefined) await this.channel.requestNow(this.channel.method('confirm.select', {}), signal);
  }

  /**
   * A synchronous method succeeded on the channel (its recording link tells, recovery/
   * recording-link.ts): the settings re-applied by `reopen()` note prefetch and tx mode.
   */
  onMethod(m: AnyMethod): void {
    this.#p.settings.onMethod(m);
  }

  consumerByKey(key: number): ConsumerLike | undefined {
    return this.#p.consuming.byKey(key);
  }

  /** `consumer` consumes again on the re-opened channel, as recorded. */
  reconsume(consumer: ConsumerLike, rec: RecordedConsumer, signal: AbortSignal | undefined): Promise<void> {
    return this.#p.consuming.reconsume(consumer, rec, signal);
  }

  /** The consumers not consumed again (left out by the filter, or failed) end. */
  endConsumersExcept(recovered: ReadonlySet<number>): void {
    this.#p.consuming.endExcept(recovered);
  }

  /** It could not be re-opened: closed with `error`. */
  onClosed(error: Error | undefined): void {
    this.channel.onClosed(error);
  }

  /** The replay is done: republish what awaited a confirm (if asked), then let waiting publishes go. */
  resume(): void {
    const { wire, publishing } = this.#p;
    if (!wire.state.isOpen || !wire.state.heldBy) return;
    wire.state.release();
    publishing.resume();
    this.#p.emit('recovered');
    publishing.drain();
  }
}

/** The order to re-open channels in: those with a number of the application's choice first, each group as it was. */
export function reopenOrder<R extends { readonly fixedId: number | undefined }>(channels: readonly R[]): R[] {
  return [...channels.filter((c) => c.fixedId !== undefined), ...channels.filter((c) => c.fixedId === undefined)];
}
