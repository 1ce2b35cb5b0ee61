/**
 * What `connection.channel(options)` can set up in the same call, so that a channel comes back
 * ready for use: its number, its prefetch (basic.qos) and confirm mode. The settings go
 * through the channel's own methods, so a recovery replays them like any other.
 */
import { checkPublishTimeout } from './publish-timeout.js';

/** What setting up needs of a channel. */
export interface SetUpTarget {
  readonly isOpen: boolean;
  publishTimeout: number | undefined;
  prefetch(count: number, options: { global?: boolean }): Promise<void>;
  confirmSelect(options: { maxUnconfirmed?: number }): Promise<void>;
  close(): Promise<void>;
}

/** Options of `connection.channel()` that prepare the channel before it is handed out. */
export interface ChannelSetup {
  /**
   * The channel number to use (1 to the negotiated channel_max) instead of the next free one;
   * ChannelLimitError when it is taken. The channel keeps this number across a recovery (it is
   * re-opened with it, before the channels numbered by the connection).
   */
  id?: number;
  /** basic.qos prefetch count, set before the channel is returned (per consumer, RabbitMQ semantics). */
  prefetch?: number;
  /** Apply `prefetch` to the whole channel (RabbitMQ's `global` qos). */
  globalPrefetch?: boolean;
  /** Confirm mode (confirm.select) before the channel is returned; an object bounds publishes in flight. */
  confirm?: boolean | { maxUnconfirmed?: number };
  /** Default time limit of each publish, ms (channel.publishTimeout; see PublishTimeoutError). */
  publishTimeout?: number;
}

/** Applies prefetch and confirm mode; on failure closes the channel and rethrows. */
export async function setUpChannel<C extends SetUpTarget>(ch: C, o: ChannelSetup | undefined): Promise<C> {
  if (o?.publishTimeout !== undefined) ch.publishTimeout = checkPublishTimeout(o.publishTimeout);
  if (!o || (o.prefetch === undefined && !o.confirm)) return ch;
  try {
    if (o.prefetch !== undefined) await ch.prefetch(o.prefetch, { global: o.globalPrefetch ?? false });
    if (o.confirm) await ch.confirmSelect(o.confirm === true ? {} : o.confirm);
  } catch (e) {
    if (ch.isOpen) await ch.close().catch(() => undefined);
    throw e;
  }
  return ch;
}
