/**
 * What a channel must get back when it is re-opened on a new connection, recorded as the
 * application sets it (plain data): its prefetch (basic.qos, per consumer and for the channel:
 * RabbitMQ keeps both), confirm mode with its window, transaction mode. And the channel's own
 * choice of how publishing behaves across an outage (ChannelOptions).
 */
import type { AnyMethod } from '../../codec/index.js';

/** Options of `connection.channel()`: how this channel's publishing crosses an outage. */
export interface ChannelOptions {
  /**
   * What publish() does while the connection recovers: `'wait'` (default) queues it, bounded by
   * `recoveryBuffer`, and sends it after recovery (its `signal` still aborts the wait); `'fail'`
   * rejects it at once with RecoveringError.
   */
  publishWhileRecovering?: 'wait' | 'fail';
  /** Bounds of the publishes waiting for recovery (default 10,000 messages, 64 MiB of bodies); beyond them publish() rejects with RecoveringError. */
  recoveryBuffer?: { messages?: number; bytes?: number };
  /**
   * In confirm mode, publish again, after recovery, the messages whose confirm had not arrived
   * when the connection was lost; their original promises settle with the new connection's
   * confirms (at-least-once: the broker may then hold a message twice). Default false: they
   * reject with OutcomeUnknownError.
   */
  republishUnconfirmed?: boolean;
}

/** Channel state replayed on a new connection, in this order. */
export class ChannelSettings {
  readonly publishWhileRecovering: 'wait' | 'fail';
  readonly maxWaiting: number;
  readonly maxWaitingBytes: number;
  readonly republishUnconfirmed: boolean;
  /** basic.qos per consumer (global false) and per channel (global true), last one set of each. */
  readonly qos = new Map<boolean, AnyMethod>();
  /** confirm.select was sent, with this window. */
  confirmWindow: number | undefined;
  tx = false;

  constructor(o: ChannelOptions = {}) {
    this.publishWhileRecovering = o.publishWhileRecovering ?? 'wait';
    this.maxWaiting = o.recoveryBuffer?.messages ?? 10_000;
    this.maxWaitingBytes = o.recoveryBuffer?.bytes ?? 64 * 1024 * 1024;
    this.republishUnconfirmed = o.republishUnconfirmed ?? false;
  }

  /** Notes a channel-level method that succeeded. */
  onMethod(m: AnyMethod): void {
    if (m.kind === 'basic.qos') this.qos.set((m as unknown as { global: boolean }).global, m);
    else if (m.kind === 'tx.select') this.tx = true;
  }

  /** The methods that put a fresh channel back in this state (confirm mode is the channel's own step). */
  replay(): AnyMethod[] {
    const out = [...this.qos.values()];
    if (this.tx) out.push({ kind: 'tx.select' } as AnyMethod);
    return out;
  }
}
