/**
 * The states of a channel, as one table (h11's `_state.py`), instead of booleans checked across
 * the channel's files.
 *
 *   live ──loss, recovery coming──▶ held ──replay done──▶ live
 *   live | held ──close()──▶ closing ──close-ok, or the connection's end──▶ closed
 *   live | held | closing ──broker's channel.close, connection closed for good──▶ closed
 *
 * - live: calls and publishes go to the link.
 * - held: the connection is down and recovery will bring it back. Calls wait for the recovery,
 *   publishes wait in the backlog or fail (ChannelOptions), deliveries from before are stale.
 *   `heldBy` is why. During the replay the channel is re-opened on the new connection while
 *   still held (`attached`): it exists on the wire again, but only the replay talks to it.
 * - closing: close() was called; nothing new is sent. A channel closed while held and not yet
 *   attached has nothing on the wire to close and goes straight to closed.
 * - closed: for good; `closeReason` says why (undefined after close()).
 *
 * `heldBy` outlives `held` into `closing` when a held channel is closed during the replay:
 * the outage is still why it cannot take publishes.
 */

import type { Link } from '../session/link.js';

/** What a channel's parts share with it: its current link and its state. */
export interface ChannelWire {
  /** The channel's number on the current connection (replaced by the replay). */
  link: Link;
  readonly state: ChannelState;
}

/** `live`, `held` (connection recovering), `closing`, `closed`. */
export type ChannelStateName = 'live' | 'held' | 'closing' | 'closed';

/** Which state may follow which. */
const TRANSITIONS: Record<ChannelStateName, readonly ChannelStateName[]> = {
  live: ['held', 'closing', 'closed'],
  held: ['live', 'closing', 'closed'],
  closing: ['closed'],
  closed: [],
};

/** One channel's state; transitions not in the table are bugs and throw. */
export class ChannelState {
  #name: ChannelStateName = 'live';
  #heldBy: Error | undefined;
  #attached = false;

  get name(): ChannelStateName {
    return this.#name;
  }

  /** Not closed yet (live, held or closing). */
  get isOpen(): boolean {
    return this.#name !== 'closed';
  }

  /** Why the channel waits for a recovery (set while held, and into closing from held). */
  get heldBy(): Error | undefined {
    return this.#heldBy;
  }

  /** Held, and re-opened on the new connection by the replay. */
  get attached(): boolean {
    return this.#attached;
  }

  #to(next: ChannelStateName): void {
    if (!TRANSITIONS[this.#name].includes(next)) throw new Error(`channel state ${this.#name} cannot become ${next}`);
    this.#name = next;
  }

  /** live → held: the connection was lost and will be recovered. */
  hold(error: Error): void {
    this.#to('held');
    this.#heldBy = error;
    this.#attached = false;
  }

  /** The replay gave the held channel a number on the new connection. */
  attach(): void {
    this.#attached = true;
  }

  /** held (or closing from held) → live: the replay is done. */
  release(): void {
    if (this.#name === 'held') this.#to('live');
    this.#heldBy = undefined;
    this.#attached = false;
  }

  /** live | held → closing. */
  closing(): void {
    this.#to('closing');
  }

  /** Any → closed (once). */
  closed(): void {
    if (this.#name !== 'closed') this.#to('closed');
  }
}
