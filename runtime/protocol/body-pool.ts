/**
 * Copies of received message bodies, for transports that reuse their read buffer.
 *
 * Theory of operation. A body must outlive the chunk it came in, so it is copied. How it is
 * copied decides much of a delivery's cost: V8 keeps typed arrays of up to 64 bytes on its heap
 * (cheap), but every larger one gets a backing store of its own outside the heap, whose
 * allocation and later collection cost microseconds: more than everything else a delivery
 * costs. So bodies of 65 bytes to POOLED_MAX are cut from shared 32 KiB blocks, as Node's own
 * Buffer pool does for small buffers: one backing store per block, not per message. Larger
 * bodies get their own copy (the copy then dominates anyway).
 *
 * The price is the one Node's pooled Buffers have: a body is a view (`byteOffset` may be
 * non-zero, `buffer` is the whole block), and keeping one small body keeps its block alive.
 * Views start at multiples of 8, so a body can be viewed as any typed array. Transferring a
 * body's buffer (postMessage, structuredClone with `transfer`) would detach every body of its
 * block: each block is handed to `untransferable` as it is made (Node's markAsUntransferable,
 * after which a transfer copies), as Node does with its own Buffer pool.
 */

/** Bodies up to this size stay on V8's heap when copied: pooling would only add work. */
const ON_HEAP_MAX = 64;
/** Bodies up to this size are cut from a block. */
const POOLED_MAX = 4096;
const BLOCK_SIZE = 32 * 1024;

export class BodyPool {
  private block = new Uint8Array(0);
  private used = 0;
  private readonly untransferable: ((buffer: ArrayBuffer) => void) | undefined;

  constructor(untransferable?: (buffer: ArrayBuffer) => void) {
    this.untransferable = untransferable;
  }

  /** A copy of `buf[start, end)` that the caller may keep. */
  copy(buf: Uint8Array, start: number, end: number): Uint8Array {
    const n = end - start;
    if (n <= ON_HEAP_MAX || n > POOLED_MAX) return buf.slice(start, end);
    let at = this.used;
    if (at + n > this.block.length) {
      this.block = new Uint8Array(BLOCK_SIZE);
      this.untransferable?.(this.block.buffer);
      at = 0;
    }
    this.used = (at + n + 7) & ~7;
    const view = new Uint8Array(this.block.buffer, at, n);
    view.set(buf.subarray(start, end));
    return view;
  }
}
