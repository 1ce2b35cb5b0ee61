/**
 * The replay: what a new connection is given so that the application's objects work as before.
 *
 * Order (the Java client's): 1. every channel the application holds is re-opened, under
 * whatever number the new connection gives it, with its prefetch, confirm and tx modes;
 * 2. exchanges, 3. queues (a server-named queue is declared anew, and its new name is pushed
 * into the record: bindings and consumers follow it, `queueRenamed` tells the application),
 * 4. bindings (queue, then exchange-to-exchange, in declaration order), 5. consumers, each on
 * its own channel; 6. each channel resumes: unconfirmed publishes go again (if the channel
 * asked), then the publishes that waited.
 *
 * Declarations run on a short-lived channel of their own: a declaration the broker now refuses
 * (406: declared elsewhere with other arguments) closes that channel, is reported as a
 * TopologyRecoveryError naming the entity, and the replay goes on on a fresh one. A
 * declaration that gets no answer within `declarationTimeout` (a cluster in minority) is tried
 * again, `declarationRetries` times; 405 resource-locked (an exclusive queue of the old
 * connection not yet cleaned up by the broker) is retried the same way after a short pause.
 * If the connection itself dies during the replay the replay throws, and the supervisor
 * reconnects and replays again from the start.
 *
 * The replay sees channels only through ReplayChannel (each channel restores its own state:
 * aio-pika's robust channel, not a replay that reaches into it) and time only through
 * ReplayClock, so that a test drives it with fakes.
 */
import type { AnyMethod } from '../../codec/index.js';
import { isReplyError } from '../../codec/errors.js';
import { OperationAbortedError } from '../../errors.js';
import type { Reply } from '../session/link.js';
import { TopologyRecoveryError, type RecoveredEntity } from './errors.js';
import type { Clock } from './clock.js';
import type { ResolvedRecovery } from './options.js';
import type { RecordedBinding, RecordedConsumer, TopologyRecorder } from './recorder.js';

/** A consumer as the replay sees it. */
export interface ReplayConsumer {
  readonly key: number;
  readonly tag: string;
  end(error: Error | undefined): void;
}

/** A channel of the application as the replay sees it: it restores itself, the replay orders the steps. */
export interface ReplayChannel {
  /** Names the channel in the topology record. */
  readonly key: number;
  readonly id: number;
  readonly isOpen: boolean;
  consumerByKey(key: number): ReplayConsumer | undefined;
  /** `consumer` consumes again, as recorded. */
  reconsume(consumer: ReplayConsumer, rec: RecordedConsumer, signal: AbortSignal | undefined): Promise<void>;
  /** The consumers not consumed again end. */
  endConsumersExcept(recovered: ReadonlySet<number>): void;
  /** The replay is done: republish, let waiting publishes go. */
  resume(): void;
  /** It could not be re-opened: closed with `error`. */
  onClosed(error: Error | undefined): void;
}

/** A short-lived channel for the replay's declarations. */
export interface SpareChannel {
  readonly isOpen: boolean;
  requestNow(m: AnyMethod, signal: AbortSignal | undefined): Promise<Reply>;
  close(): Promise<void>;
}

/** Time, as the replay uses it (clock.ts; injected: tests drive it). */
export type ReplayClock = Pick<Clock, 'sleep' | 'timeout'>;

/** What the replay needs from the connection. */
export interface ReplayHost {
  readonly topology: TopologyRecorder;
  /** Time (clock.ts `systemClock` in production). */
  readonly clock: ReplayClock;
  /** The application's channels, in the order they were opened. */
  channels(): ReplayChannel[];
  /** Gives `ch` a link on the current connection; the channel re-applies its settings. */
  reopen(ch: ReplayChannel, signal: AbortSignal): Promise<void>;
  /** Opens a channel for the replay's own declarations (not recorded). */
  spareChannel(): Promise<SpareChannel>;
  /** True while the connection the replay runs on is open. */
  isOpen(): boolean;
  report(error: TopologyRecoveryError): void;
  renamed(from: string, to: string): void;
}

/** Runs the replay on the host's current connection; throws only when that connection is lost. */
export async function replay(host: ReplayHost, r: Pick<ResolvedRecovery, 'topology' | 'topologyFilter' | 'declarationTimeout' | 'declarationRetries'>, signal: AbortSignal): Promise<void> {
  const lost = (e: unknown): boolean => signal.aborted || !host.isOpen() || !(e instanceof Error);
  const clock = host.clock;
  const channels = host.channels();
  for (const ch of channels) {
    if (!ch.isOpen) continue; // closed by the application while it waited
    try {
      await host.reopen(ch, signal);
    } catch (e) {
      if (lost(e)) throw e;
      host.report(new TopologyRecoveryError({ kind: 'channel', channel: ch.id }, { cause: e }));
      ch.onClosed(e as Error);
    }
  }
  const filter = r.topology ? r.topologyFilter : { exchange: () => false, queue: () => false, binding: () => false, consumer: () => false };
  const declarations = new Declarer(host, r, signal, lost, clock);
  const plan = host.topology.plan(filter);
  for (const x of plan.exchanges) {
    await declarations.run({ kind: 'exchange', name: x.name }, { kind: 'exchange.declare', exchange: x.name, type: x.type, passive: false, durable: x.durable, autoDelete: x.autoDelete, internal: x.internal, noWait: false, arguments: x.arguments });
  }
  for (const q of plan.queues) {
    const ok = await declarations.run({ kind: 'queue', name: q.name }, { kind: 'queue.declare', queue: q.serverNamed ? '' : q.name, passive: false, durable: q.durable, exclusive: q.exclusive, autoDelete: q.autoDelete, noWait: false, arguments: q.arguments });
    const name = (ok as { queue?: string } | undefined)?.queue;
    if (name !== undefined && name !== q.name) host.renamed(q.name, name);
  }
  // Read again: renames rewrote the bindings and consumers that named the old queues.
  const after = host.topology.plan(filter);
  for (const b of after.bindings) await declarations.run(bindingEntity(b), bindingMethod(b));
  await declarations.close();
  const recovered = new Set<number>();
  for (const c of after.consumers) {
    const ch = channels.find((x) => x.key === c.channel && x.isOpen);
    const consumer = ch?.consumerByKey(c.key);
    if (!ch || !consumer) continue;
    try {
      await ch.reconsume(consumer, c, AbortSignal.any([signal, clock.timeout(r.declarationTimeout)]));
      recovered.add(c.key);
    } catch (e) {
      if (lost(e)) throw e;
      host.report(new TopologyRecoveryError({ kind: 'consumer', queue: c.queue, consumerTag: consumer.tag }, { cause: e }));
      host.topology.deleteConsumer(c.key);
      consumer.end(e as Error);
      // A failed consume closes its channel (404...): that channel and its other consumers end.
    }
  }
  // Consumers left out by the filter (or with recovery of topology off) end: nothing feeds them now.
  for (const ch of channels) ch.endConsumersExcept(recovered);
  for (const ch of channels) ch.resume();
}

/** Declarations on a spare channel, replaced when the broker closes it or a call times out. */
class Declarer {
  #ch: SpareChannel | undefined;
  constructor(
    private readonly host: ReplayHost,
    private readonly r: Pick<ResolvedRecovery, 'declarationTimeout' | 'declarationRetries'>,
    private readonly signal: AbortSignal,
    private readonly lost: (e: unknown) => boolean,
    private readonly clock: ReplayClock,
  ) {}

  /** Sends `m`; returns its answer, or undefined after reporting why the entity could not be declared. */
  async run(entity: RecoveredEntity, m: Record<string, unknown>): Promise<AnyMethod | undefined> {
    for (let attempt = 0; ; attempt++) {
      let ch: SpareChannel | undefined;
      try {
        ch = this.#ch ??= await this.host.spareChannel();
        return (await ch.requestNow(m as unknown as AnyMethod, AbortSignal.any([this.signal, this.clock.timeout(this.r.declarationTimeout)]))).method;
      } catch (e) {
        if (this.lost(e)) throw e;
        this.#ch = undefined;
        if (ch?.isOpen) void ch.close().catch(() => undefined); // a timed-out call still holds it
        const locked = isReplyError(e) && e.replyCode === 405;
        if ((e instanceof OperationAbortedError || locked) && attempt < this.r.declarationRetries) {
          if (locked) await this.clock.sleep(200 * (attempt + 1));
          continue;
        }
        this.host.report(new TopologyRecoveryError(entity, { cause: e }));
        return undefined;
      }
    }
  }

  async close(): Promise<void> {
    const ch = this.#ch;
    this.#ch = undefined;
    if (ch?.isOpen) await ch.close().catch(() => undefined);
  }
}

function bindingEntity(b: RecordedBinding): RecoveredEntity {
  return { kind: 'binding', source: b.source, destination: b.destination, destinationKind: b.destinationKind, routingKey: b.routingKey };
}

function bindingMethod(b: RecordedBinding): Record<string, unknown> {
  return b.destinationKind === 'queue'
    ? { kind: 'queue.bind', queue: b.destination, exchange: b.source, routingKey: b.routingKey, noWait: false, arguments: b.arguments }
    : { kind: 'exchange.bind', destination: b.destination, source: b.source, routingKey: b.routingKey, noWait: false, arguments: b.arguments };
}
