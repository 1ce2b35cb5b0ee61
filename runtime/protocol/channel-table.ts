/**
 * The connection's channels by id. Ids run from 1 to the negotiated channel_max and are handed
 * out round-robin, so a just-closed id is the last to be reused (a late frame for it is then
 * less likely to meet a new channel). An id stays taken until its channel is fully closed
 * (close-ok received or sent), never while `closing`. Channel 0 is the connection itself: it
 * carries the connection's own synchronous calls (update-secret) and is always open.
 */
import { DecodeError, type AnyMethod } from '../codec/index.js';
import { ChannelClosedError, ChannelLimitError, CloseTimeoutError } from '../errors.js';
import { ChannelState, type QueuedFrames } from './channel-state.js';
import type { ProtocolEventListener } from './events.js';

export class ChannelTable {
  readonly zero = new ChannelState(0);
  /** Channels by id; grows as ids are handed out (round-robin from 1, so densely). */
  private slots: (ChannelState | undefined)[] = [];
  /** The largest id: the negotiated channel_max. */
  private max = 0;
  /** The allocated channels (what `slots` holds), so that walking them costs their number, not channel_max. */
  private readonly live = new Set<ChannelState>();
  private next = 1;
  /** Channels that sent channel.close and wait for close-ok (the core enforces closeTimeout). */
  readonly closing = new Set<ChannelState>();
  private readonly emit: ProtocolEventListener;
  private readonly send: (channel: number, m: AnyMethod) => void;
  private readonly write: (bytes: Uint8Array) => void;

  constructor(emit: ProtocolEventListener, send: (channel: number, m: AnyMethod) => void, write: (bytes: Uint8Array) => void) {
    this.emit = emit;
    this.send = send;
    this.write = write;
    this.zero.state = 'open';
  }

  /** Sizes the table once channel_max is negotiated (ids 1..channelMax). */
  resize(channelMax: number): void {
    this.max = Math.min(channelMax, 65535);
    this.slots = [];
  }

  /** The channel with this id (0 is the connection), or undefined when it is not allocated. */
  get(id: number): ChannelState | undefined {
    return id === 0 ? this.zero : this.slots[id];
  }

  /**
   * Allocates the next free id for a new channel, or `id` when the caller chose one;
   * ChannelLimitError when all are taken, or when the chosen id is taken or above channel_max.
   */
  open(id?: number): ChannelState {
    const max = this.max;
    if (id !== undefined) {
      if (!Number.isInteger(id) || id < 1 || id > max) throw new ChannelLimitError(`channel id ${id} is outside 1..${max} (the negotiated channel_max)`);
      if (this.slots[id] !== undefined) throw new ChannelLimitError(`channel ${id} is in use (or still closing)`);
      const ch = new ChannelState(id);
      this.slots[id] = ch;
      this.live.add(ch);
      return ch;
    }
    for (let i = 0; i < max; i++) {
      const id = ((this.next - 1 + i) % max) + 1;
      if (this.slots[id] === undefined) {
        this.next = (id % max) + 1;
        const ch = new ChannelState(id);
        this.slots[id] = ch;
        this.live.add(ch);
        return ch;
      }
    }
    throw new ChannelLimitError(`all ${Math.max(max, 0)} channels (the negotiated channel_max) are in use; close one first`);
  }

  /** The channel an incoming frame is for: 504 channel-error when it is not open. */
  forFrame(id: number): ChannelState {
    const ch = this.slots[id];
    // A closed channel still in its slot awaits the close-ok of a simultaneous close.
    if (!ch) throw new DecodeError(`frame on channel ${id}, which is not open`, 0, 504);
    return ch;
  }

  /** The channel a command is for: ChannelClosedError (with the reason as `cause`) unless opening or open. */
  forCommand(id: number): ChannelState {
    const ch = this.get(id);
    if (!ch || ch.state === 'closing' || ch.state === 'closed') {
      throw new ChannelClosedError(`channel ${id} is ${ch ? ch.state : 'not open'}`, { cause: ch?.error });
    }
    return ch;
  }

  /** Frees the id of a closed channel. */
  release(ch: ChannelState): void {
    if (this.slots[ch.id] === ch) {
      this.slots[ch.id] = undefined;
      this.live.delete(ch);
    }
  }

  /** Every allocated channel, channel 0 excluded. */
  *allocated(): IterableIterator<ChannelState> {
    yield* [...this.live];
  }

  /**
   * Sends channel.close; pending calls fail now (their answers will be discarded). `error` is
   * our reason when we close because of the peer, undefined when the application asked.
   */
  beginClose(ch: ChannelState, code: number, text: string, error: Error | undefined): void {
    if (error === undefined) this.flushQueuedFrames(ch);
    ch.state = 'closing';
    ch.error = error;
    ch.assembly = undefined;
    ch.closeDeadline = NaN;
    this.closing.add(ch);
    this.failCalls(ch, error ?? new ChannelClosedError(`channel ${ch.id} was closed by the application`));
    this.send(ch.id, { kind: 'channel.close', replyCode: code, replyText: text, classId: 0, methodId: 0 } as AnyMethod);
  }

  /**
   * Channel closes waiting for close-ok: a close learns its deadline (`now + timeout`) at the
   * first time the core is given after it was sent (when it is written); with `expire`, one past
   * its deadline is given up with CloseTimeoutError. The spec leaves the wait unbounded, but a
   * peer that never answers must not hold the application forever; the id stays reserved
   * (finalize with keepId) until a close-ok comes, so no late frame meets a new channel.
   */
  closeDeadlines(now: number, timeout: number, expire: boolean): void {
    for (const ch of [...this.closing]) {
      if (Number.isNaN(ch.closeDeadline)) ch.closeDeadline = now + timeout;
      else if (expire && now >= ch.closeDeadline) {
        this.finalize(ch, new CloseTimeoutError(`channel ${ch.id}: no channel.close-ok within ${timeout} ms; the channel is abandoned`, { cause: ch.error }), true);
      }
    }
  }

  /** Milliseconds until the earliest close-ok deadline: 0 for a close whose clock has not started, Infinity for none. */
  nextCloseDeadline(now: number): number {
    let next = Infinity;
    for (const ch of this.closing) next = Math.min(next, Number.isNaN(ch.closeDeadline) ? 0 : Math.max(0, ch.closeDeadline - now));
    return next;
  }

  /** The channel is gone: its calls fail, its id is freed, `channel-closed` reports `error` (the server's close or the connection's end), if any. */
  finalize(ch: ChannelState, error: Error | undefined, keepId = false): void {
    const reason = error ?? ch.error;
    ch.state = 'closed';
    ch.closeDeadline = Infinity;
    this.closing.delete(ch);
    ch.assembly = undefined;
    ch.error = reason;
    this.failCalls(ch, reason ?? new ChannelClosedError(`channel ${ch.id} is closed`));
    if (!keepId) this.release(ch);
    this.emit({ type: 'channel-closed', channel: ch.id, error: reason });
  }

  /**
   * The caller no longer wants the answer to `call` (aborted, timed out). A queued call is
   * dropped; a sent one stays in the queue so that its answer is still matched, then ignored.
   */
  abandon(channel: number, call: number): void {
    const ch = this.get(channel);
    const i = ch ? ch.calls.findIndex((c) => c.call === call) : -1;
    if (i < 0) return;
    const c = ch!.calls[i]!;
    if (c.sent) c.abandoned = true;
    else ch!.calls.splice(i, 1);
  }

  /**
   * Once the head was answered: sends the next queued call, with the frames queued between it
   * and the call after it (they needed only to follow it on the wire, not its answer).
   */
  sendNext(ch: ChannelState): void {
    const calls = ch.calls;
    for (let c = calls[0]; c !== undefined && c.call === -1; c = calls[0]) this.writeAll(calls.shift() as QueuedFrames); // behind calls already sent
    const next = calls[0];
    if (next === undefined || next.sent || 'frames' in next) return;
    this.send(ch.id, next.method);
    next.sent = true;
    while (calls.length > 1 && calls[1]!.call === -1) this.writeAll(calls.splice(1, 1)[0] as QueuedFrames);
  }

  /**
   * Writes the asynchronous frames (acks, publishes) held behind the channel's unsent calls, in
   * order, dropping them from the queue. For a close the application asked for: those calls
   * will never be sent, but what was queued behind them (acks above all) must not be lost.
   */
  flushQueuedFrames(ch: ChannelState): void {
    const calls = ch.calls;
    for (let i = 0; i < calls.length; ) {
      const c = calls[i]!;
      if ('frames' in c) {
        this.writeAll(c);
        calls.splice(i, 1);
      } else i++;
    }
  }

  private writeAll(q: QueuedFrames): void {
    for (const f of q.frames) this.write(f);
  }

  /** Fails every pending call of the channel once (abandoned ones silently). */
  failCalls(ch: ChannelState, error: Error): void {
    const calls = ch.calls.splice(0);
    for (const c of calls) {
      if (!c.abandoned && c.call !== -1) this.emit({ type: 'call-failed', channel: ch.id, call: c.call, error });
    }
  }

  /** Fails every pending call on every channel, channel 0 included. */
  failAll(error: Error): void {
    this.failCalls(this.zero, error);
    for (const ch of [...this.live]) this.failCalls(ch, error);
  }
}
