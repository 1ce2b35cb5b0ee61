/**
 * Acknowledgements of one channel, batched for the wire without ever losing one.
 *
 * The application acks each message; most ack in delivery order. A run of in-order acks
 * (tags settled+1, settled+2, ...) is held back and sent as one basic.ack with `multiple` for
 * the run's last tag when the connection next flushes its writes (end of the event-loop turn),
 * or earlier when a nack/reject or an out-of-order ack must go out after it, or when the
 * channel or connection closes (close() flushes first, so an ack the application issued is
 * never lost). Out-of-order settlements are sent as they are.
 *
 * Why `multiple` is safe: `settled` is the highest tag below which *every* delivery has been
 * settled by the application, so a multiple ack up to a held tag covers nothing unsettled;
 * tags in it that already went out individually are simply no longer outstanding on the broker
 * (RabbitMQ requires only the named tag to be outstanding, and it is: it was held back).
 *
 * Double settlement is caught here, before the broker turns it into a channel error (406).
 */
import { WarrenError } from '../codec/errors.js';
import type { Long } from '../codec/index.js';

/** A message was acked, nacked or rejected twice, or was delivered in no-ack mode. */
export class MessageSettledError extends WarrenError {
  override name = 'MessageSettledError';
}

export type Settle = { kind: 'basic.ack'; deliveryTag: Long; multiple: boolean } | { kind: 'basic.nack'; deliveryTag: Long; multiple: boolean; requeue: boolean } | { kind: 'basic.reject'; deliveryTag: Long; requeue: boolean };

export class AckBatcher {
  /** Every tag <= settled is settled by the application. */
  private settled = 0;
  /** Tags above `settled` settled out of order (already sent). */
  private readonly above = new Set<number>();
  /** The held in-order run: last tag (0 = none) and its length. */
  private held = 0;
  private heldCount = 0;
  /** Highest tag covered by an application's own `multiple` settlement. */
  private multipleThrough = 0;
  private readonly send: (m: Settle) => void;

  constructor(send: (m: Settle) => void) {
    this.send = send;
  }

  /** True when `tag` was already settled (by itself or by a multiple settlement). */
  isSettled(tag: number): boolean {
    return tag <= this.multipleThrough || tag <= this.settled || this.above.has(tag);
  }

  /** Deliveries up to `tag` (included) not settled yet: what a `multiple` settlement of `tag` covers. */
  unsettledThrough(tag: number): number {
    if (tag <= this.settled) return 0;
    let n = tag - this.settled;
    for (const t of this.above) if (t <= tag) n--;
    return n;
  }

  /** True when an ack run is waiting for flush(). */
  get pending(): boolean {
    return this.held !== 0;
  }

  /**
   * A delivery that needs no acknowledgement (no-ack consumer or get) still takes a tag on the
   * channel: count it as settled, so that the in-order run goes on past it and `above` does not
   * keep every later out-of-order ack forever on a channel that mixes no-ack and acked consumers.
   */
  skip(tag: number): void {
    if (tag === this.settled + 1) {
      this.settled = tag;
      if (this.above.size > 0) this.absorb();
    } else if (tag > this.settled) this.above.add(tag);
  }

  ack(tag: number, multiple: boolean): void {
    if (!multiple && tag === this.settled + 1) {
      this.settled = tag;
      if (this.above.size > 0) this.absorb();
      this.held = tag;
      this.heldCount++;
      return;
    }
    this.settle({ kind: 'basic.ack', deliveryTag: tag, multiple }, tag, multiple);
  }

  nack(tag: number, multiple: boolean, requeue: boolean): void {
    this.settle({ kind: 'basic.nack', deliveryTag: tag, multiple, requeue }, tag, multiple);
  }

  reject(tag: number, requeue: boolean): void {
    this.settle({ kind: 'basic.reject', deliveryTag: tag, requeue }, tag, false);
  }

  /** Forgets the held run: its channel is closing, and the broker requeues unacked deliveries. */
  discard(): void {
    this.held = 0;
    this.heldCount = 0;
  }

  /** Sends the held run, if any. */
  flush(): void {
    if (this.held === 0) return;
    const tag = this.held;
    const multiple = this.heldCount > 1;
    this.held = 0;
    this.heldCount = 0;
    this.send({ kind: 'basic.ack', deliveryTag: tag, multiple });
  }

  private settle(m: Settle, tag: number, multiple: boolean): void {
    this.flush(); // order on the wire follows the order of the application's calls
    this.send(m);
    if (multiple) {
      this.multipleThrough = Math.max(this.multipleThrough, tag);
      if (tag > this.settled) this.settled = tag;
      for (const t of this.above) if (t <= tag) this.above.delete(t);
    } else if (tag === this.settled + 1) this.settled = tag;
    else this.above.add(tag);
    this.absorb();
  }

  private absorb(): void {
    while (this.above.size > 0 && this.above.delete(this.settled + 1)) this.settled++;
  }
}
