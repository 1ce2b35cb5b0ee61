/**
 * The ready messages of one priority level of a queue, in queue order (`seq`). Publishing
 * appends; a requeue puts an entry back where its `seq` says, as RabbitMQ classic queues do.
 * Taking from the head advances an index instead of shifting the array, which is compacted when
 * half of it is spent, so a long queue costs O(1) per message.
 */
import type { Entry } from './message.js';

/** A list of entries ordered by `seq`. */
export class EntryList {
  private items: Entry[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  peek(): Entry | undefined {
    return this.items[this.head];
  }

  shift(): Entry | undefined {
    if (this.head >= this.items.length) return undefined;
    const e = this.items[this.head];
    this.items[this.head] = undefined as unknown as Entry;
    this.head += 1;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return e;
  }

  /** Puts `e` at its place by seq (the end for a new publish). */
  insert(e: Entry): void {
    const items = this.items;
    const last = items[items.length - 1];
    if (items.length === this.head || (last !== undefined && last.seq < e.seq)) {
      items.push(e);
      return;
    }
    let lo = this.head;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((items[mid] as Entry).seq < e.seq) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.head && this.head > 0) {
      this.head -= 1;
      items[this.head] = e;
    } else {
      items.splice(lo, 0, e);
    }
  }

  /** Removes and returns every entry, in order. */
  drain(): Entry[] {
    const out = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return out;
  }

  /** The entries in order, without removing them. */
  toArray(): Entry[] {
    return this.items.slice(this.head);
  }
}
