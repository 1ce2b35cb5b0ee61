/**
 * The core's sense of time, as data and pure decisions: the core passes `now` in and acts on
 * the answer, so tests drive time by hand.
 *
 * - One deadline at a time: open-ok within connectionTimeout, then close-ok within closeTimeout.
 * - Heartbeats (spec 4.2.7), from open-ok on: we send one after heartbeat/2 of silence on our
 *   side (any frame we send counts), and give the peer up after two intervals without any frame
 *   from it. Checked every heartbeat/4, so a dead peer is noticed within 2.25 intervals.
 */
export type TimerAction = 'deadline' | 'dead' | 'beat' | undefined;

export class Timers {
  /** Absolute time of the handshake or close-ok deadline; Infinity when none. */
  deadline = Infinity;
  lastReceived = 0;
  lastSent = 0;
  /** Heartbeat interval in ms while heartbeats run; 0 = off. */
  heartbeat = 0;

  /** What is due at `now`: the deadline passed, the peer silent too long, or a heartbeat to send. */
  due(now: number, outputPending: boolean): TimerAction {
    if (now >= this.deadline) return 'deadline';
    const hb = this.heartbeat;
    if (hb === 0) return undefined;
    if (now - this.lastReceived >= 2 * hb) return 'dead';
    if (now - this.lastSent >= hb / 2 && !outputPending) return 'beat';
    return undefined;
  }

  /** Milliseconds until `due()` may have something to say. */
  next(now: number): number {
    const beat = this.heartbeat > 0 ? this.heartbeat / 4 : Infinity;
    return Math.max(0, Math.min(this.deadline - now, beat));
  }
}
