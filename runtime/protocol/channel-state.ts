/**
 * The state the core keeps per channel: its lifecycle, its synchronous-call queue and its
 * incoming content assembly. No I/O; the connection core drives it.
 *
 * Lifecycle: opening → open → closing → closed. `opening` is left by channel.open-ok;
 * `closing` starts when we send channel.close and ends with close-ok, or with closeTimeout
 * (CloseTimeoutError; the id then stays reserved until a close-ok comes); while closing, every
 * frame but channel.close and channel.close-ok is discarded (spec 2.2.4 / channel.close).
 *
 * Synchronous calls: AMQP allows one outstanding synchronous request per channel, so calls
 * queue here; the head of the queue has been sent, the rest are sent one by one as answers
 * arrive. Wire order follows the order of commands: an asynchronous method or a publish given
 * while calls wait unsent is encoded at once (so errors surface at once) and queued after them
 * as `frames`, to be written right after the call before it is sent. (Without this, a publish
 * issued after an un-awaited queue.bind would overtake the bind and could go unrouted.)
 *
 * Content assembly (method → header → body*), three named states as in amqp091-go:
 *   idle ──content method──▶ header ──header frame──▶ body ──last body frame──▶ idle
 *   (a body size of 0 skips `body`). Anything else in between is 505 unexpected-frame.
 * The body buffer grows with the bytes that arrive (never past the size the header announces,
 * whole at once for bodies up to 1 MiB); a body that arrives in one frame is used as a view of
 * that frame without a copy.
 */
import type { AnyMethod, MethodDef } from '../codec/index.js';

/** A synchronous call queued or awaiting its answer on a channel. */
export interface PendingCall {
  readonly call: number;
  readonly def: MethodDef;
  readonly method: AnyMethod;
  /** False while queued behind another call; true once its frame is written. */
  sent: boolean;
  /** The caller gave up (abort/timeout): the answer is consumed but not reported. */
  abandoned: boolean;
}

/** Already encoded asynchronous frames waiting behind the calls queued before them (no answer). */
export interface QueuedFrames {
  readonly call: -1;
  readonly frames: readonly Uint8Array[];
  readonly sent: false;
  readonly abandoned: false;
}

/** The states of a channel (see the file comment). */
export type ChannelLifecycle = 'opening' | 'open' | 'closing' | 'closed';

/** Incoming content being assembled: the method, then its header, then its body. */
export interface Assembly {
  readonly method: AnyMethod;
  /** Set for basic.get-ok: the content answers this call. */
  readonly call: PendingCall | undefined;
  /** The method's class: its content header must be of the same class. */
  readonly classId: number;
  properties: Record<string, unknown> | undefined;
  bodySize: number;
  body: Uint8Array | undefined;
  received: number;
}

/** What the core keeps per channel: lifecycle, call queue, content assembly. */
export class ChannelState {
  readonly id: number;
  state: ChannelLifecycle = 'opening';
  readonly calls: (PendingCall | QueuedFrames)[] = [];
  assembly: Assembly | undefined;
  /** Why the channel closed, once it is closed by the server or a protocol error. */
  error: Error | undefined;
  /**
   * While closing: when to give up waiting for close-ok. NaN until the core next learns the
   * time (the close is written then), Infinity when not closing.
   */
  closeDeadline = Infinity;

  constructor(id: number) {
    this.id = id;
  }

  /** The call whose answer is awaited now. */
  get head(): PendingCall | undefined {
    const c = this.calls[0];
    return c !== undefined && c.sent ? c : undefined;
  }
}
