/**
 * A link that records: the decorator the connection puts around the link of each of the
 * application's channels, so that what recovery needs to declare again is noted as it succeeds,
 * outside the channel. The channel talks to it as to any link (session/link.ts) and knows
 * nothing of recording; the connection's own short-lived channels (passive checks, the replay's
 * declarations) get the bare link, so nothing they do is recorded.
 *
 * Only `call()` is watched: a synchronous method that got its answer is told to each recorder,
 * in order, with that answer (queue.declare-ok names a server-named queue). A method that fails
 * (the broker closed the channel, the call was aborted) records nothing. The recorders are the
 * channel's restorer (its prefetch and tx mode, re-applied on reopen) and the connection's
 * topology record (recorder.ts: declarations, bindings, deletions). Recording the same setting
 * twice is harmless: a reopen re-applies settings through this link and notes them again.
 * Everything else passes straight through (publishes, acks: the hot path pays one call).
 */
import type { AnyMethod, ProtocolRegistry } from '../../codec/index.js';
import type { Link, Reply } from '../session/link.js';

/** What a recording link tells of each synchronous method that succeeded. */
export interface CallRecorder {
  onMethod(m: AnyMethod, reply: AnyMethod): void;
}

/** `inner`, with each call that succeeds told to `recorders`; see the module comment. */
export class RecordingLink implements Link {
  readonly #inner: Link;
  readonly #recorders: readonly CallRecorder[];

  constructor(inner: Link, recorders: readonly CallRecorder[]) {
    this.#inner = inner;
    this.#recorders = recorders;
  }

  async call(m: AnyMethod, signal?: AbortSignal, onReply?: (r: Reply) => void): Promise<Reply> {
    const r = await this.#inner.call(m, signal, onReply);
    for (const rec of this.#recorders) rec.onMethod(m, r.method);
    return r;
  }

  get id(): number {
    return this.#inner.id;
  }

  get registry(): ProtocolRegistry {
    return this.#inner.registry;
  }

  get blocked(): boolean {
    return this.#inner.blocked;
  }

  get connectionState(): string {
    return this.#inner.connectionState;
  }

  get connectionError(): Error | undefined {
    return this.#inner.connectionError;
  }

  get isOpen(): boolean {
    return this.#inner.isOpen;
  }

  send(m: AnyMethod): void {
    this.#inner.send(m);
  }

  queue(m: AnyMethod): void {
    this.#inner.queue(m);
  }

  publish(m: AnyMethod, properties: object, body: Uint8Array): void {
    this.#inner.publish(m, properties, body);
  }

  writable(): Promise<void> {
    return this.#inner.writable();
  }

  flushSoon(): void {
    this.#inner.flushSoon();
  }

  close(): void {
    this.#inner.close();
  }
}
