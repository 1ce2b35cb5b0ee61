/**
 * Declaring and verifying a whole topology of entities at once.
 *
 * `declare(target, topology)` declares exchanges first, then queues, then bindings (those
 * listed and those a Queue's spec implies), one at a time in that order on one channel, and
 * returns bound copies. On a Connection it uses a channel of its own, closed afterwards: the
 * declarations stay in the connection's topology record and are replayed by recovery.
 *
 * `verify(target, topology)` creates nothing that is missing. Each entity is checked on a
 * throwaway channel (a failed check closes its channel): a passive declare says whether it
 * exists; when it does, the same declaration is made again on the throwaway channel, which
 * changes nothing when the properties match and is refused with 406 PRECONDITION_FAILED naming
 * the first difference when they do not (RabbitMQ compares durable, auto-delete, exclusive,
 * type and the x-arguments it knows). A queue another connection owns exclusively answers 405.
 * AMQP 0-9-1 has no way to check a binding: its source and destination are checked, and the
 * binding itself is reported `unknown`. (A queue deleted by someone else between the passive
 * check and the comparison would be created again by the comparison: a window of one round trip.)
 */
import { ReplyError } from '../../codec/errors.js';
import type { Channel } from '../channel.js';
import type { Connection } from '../connection.js';
import { Binding, Exchange, Queue, type AnyEntity } from './entities.js';

/** Entities to declare or verify: a list, or grouped by kind. */
export type Topology = readonly AnyEntity[] | { exchanges?: readonly Exchange[]; queues?: readonly Queue[]; bindings?: readonly Binding[] };

/** What verify() found for one entity. */
export interface VerifyEntry {
  entity: AnyEntity;
  /** `ok`: exists as described; `missing`; `differs`: exists with other properties; `locked`: exclusive to another connection; `unknown`: AMQP cannot tell (bindings). */
  status: 'ok' | 'missing' | 'differs' | 'locked' | 'unknown';
  /** The broker's words for `differs`/`locked`/`missing` (e.g. "inequivalent arg 'durable' for queue ..."). */
  detail?: string | undefined;
  /** Queues that exist: ready messages. */
  messageCount?: number | undefined;
  /** Queues that exist: consumers. */
  consumerCount?: number | undefined;
}

/** What verify() found: `ok` when every entity that can be checked is as described. */
export interface VerifyReport {
  ok: boolean;
  entries: VerifyEntry[];
  /** The entries whose entity is missing. */
  missing: AnyEntity[];
  /** The entries whose entity exists with other properties. */
  differs: VerifyEntry[];
}

function ordered(topology: Topology): { exchanges: Exchange[]; queues: Queue[]; bindings: Binding[] } {
  const all: AnyEntity[] = Array.isArray(topology)
    ? [...(topology as readonly AnyEntity[])]
    : [...((topology as { exchanges?: Exchange[] }).exchanges ?? []), ...((topology as { queues?: Queue[] }).queues ?? []), ...((topology as { bindings?: Binding[] }).bindings ?? [])];
  const exchanges: Exchange[] = [];
  const queues: Queue[] = [];
  const bindings: Binding[] = [];
  for (const e of all) {
    if (e instanceof Exchange) exchanges.push(e);
    else if (e instanceof Queue) queues.push(e);
    else if (e instanceof Binding) bindings.push(e);
    else throw new TypeError(`not an Exchange, Queue or Binding: ${String(e)}`);
  }
  // Exchanges a queue or binding names as objects are declared too, before them.
  for (const q of queues) if (q.exchange instanceof Exchange && !exchanges.some((x) => x.name === (q.exchange as Exchange).name)) exchanges.push(q.exchange);
  for (const b of bindings) {
    for (const end of [b.spec.source, b.spec.destination]) {
      if (end instanceof Exchange && !exchanges.some((x) => x.name === end.name)) exchanges.push(end);
    }
  }
  return { exchanges, queues, bindings };
}

async function onChannel<T>(target: Channel | Connection, f: (ch: Channel) => Promise<T>): Promise<T> {
  if (!('connection' in target)) {
    const ch = await target.channel();
    try {
      return await f(ch);
    } finally {
      if (ch.isOpen) await ch.close();
    }
  }
  return f(target);
}

/**
 * Declares entities (idempotently) on a channel, or on a connection through a channel of its
 * own; resolves with bound copies in the order exchanges, queues (with the broker's name for a
 * server-named one), bindings. On a Connection the copies are bound to a closed channel: attach
 * them to yours to act on them.
 */
export async function declare(target: Channel | Connection, topology: Topology | AnyEntity): Promise<AnyEntity[]> {
  const { exchanges, queues, bindings } = ordered(topology instanceof Exchange || topology instanceof Queue || topology instanceof Binding ? [topology] : topology);
  return onChannel(target, async (ch) => {
    const out: AnyEntity[] = [];
    for (const x of exchanges) out.push(await x.attach(ch).declare());
    const renamed = new Map<Queue, Queue>();
    for (const q of queues) {
      const d = await q.attach(ch).declare();
      renamed.set(q, d);
      out.push(d);
    }
    for (const b of bindings) {
      // A binding to a server-named queue of this topology binds its declared name.
      const dest = b.spec.destination instanceof Queue ? renamed.get(b.spec.destination) : undefined;
      const bound = dest ? new Binding({ ...b.spec, destination: dest }).attach(ch) : b.attach(ch);
      out.push(await bound.declare());
    }
    return out;
  });
}

function connectionOf(target: Channel | Connection): Connection {
  return 'connection' in target ? target.connection : target;
}

/** Runs `f` on a throwaway, unrecorded channel; a channel-closing reply becomes its result. */
async function probe<T>(conn: Connection, f: (ch: Channel) => Promise<T>): Promise<T | ReplyError> {
  const ch = await conn.spareChannel();
  try {
    return await f(ch);
  } catch (e) {
    if (e instanceof ReplyError) return e;
    throw e;
  } finally {
    if (ch.isOpen) await ch.close().catch(() => undefined);
  }
}

function fromReply(entity: AnyEntity, e: ReplyError): VerifyEntry {
  const status = e.replyCode === 404 ? 'missing' : e.replyCode === 405 ? 'locked' : e.replyCode === 406 ? 'differs' : undefined;
  if (!status) throw e;
  return { entity, status, detail: e.replyText };
}

async function verifyExchange(conn: Connection, x: Exchange): Promise<VerifyEntry> {
  const exists = await probe(conn, (ch) => ch.call('exchange.declare', { exchange: x.name, passive: true }));
  if (exists instanceof ReplyError) return fromReply(x, exists);
  if (x.name === '' || x.name.startsWith('amq.')) return { entity: x, status: 'ok' };
  const same = await probe(conn, (ch) => ch.exchangeDeclare(x.name, x.type, x.options));
  return same instanceof ReplyError ? fromReply(x, same) : { entity: x, status: 'ok' };
}

async function verifyQueue(conn: Connection, q: Queue): Promise<VerifyEntry> {
  if (q.name === '') return { entity: q, status: 'unknown', detail: 'a server-named queue has no name to check before it is declared' };
  const name = conn.topology.currentName(q.name);
  const exists = await probe(conn, (ch) => ch.call('queue.declare', { queue: name, passive: true }));
  if (exists instanceof ReplyError) return fromReply(q, exists);
  const counts = { messageCount: exists.messageCount, consumerCount: exists.consumerCount };
  const same = await probe(conn, (ch) => ch.queueDeclare(name, q.options));
  return same instanceof ReplyError ? { ...fromReply(q, same), ...counts } : { entity: q, status: 'ok', ...counts };
}

/**
 * Checks entities without creating what is missing: what exists, what is missing, what differs
 * (where RabbitMQ can tell). See the theory of operation above for how, and its limits.
 */
export async function verify(target: Channel | Connection, topology: Topology | AnyEntity): Promise<VerifyReport> {
  const conn = connectionOf(target);
  const { exchanges, queues, bindings } = ordered(topology instanceof Exchange || topology instanceof Queue || topology instanceof Binding ? [topology] : topology);
  const entries: VerifyEntry[] = [];
  const byName = new Map<string, VerifyEntry>();
  for (const x of exchanges) {
    const e = await verifyExchange(conn, x);
    byName.set(`exchange ${x.name}`, e);
    entries.push(e);
  }
  for (const q of queues) {
    const e = await verifyQueue(conn, q);
    byName.set(`queue ${q.name}`, e);
    entries.push(e);
    const b = q.binding();
    if (b) bindings.push(b);
  }
  for (const b of bindings) {
    const ends = [`exchange ${b.source}`, `${b.destinationKind} ${b.destination}`];
    const missing: string[] = [];
    for (const key of ends) {
      let e = byName.get(key);
      if (!e) {
        const [kind, ...rest] = key.split(' ');
        const name = rest.join(' ');
        e = kind === 'exchange' ? await verifyExchange(conn, new Exchange(name)) : await verifyQueue(conn, new Queue(name));
        if (e.status === 'differs') e = { ...e, status: 'ok' }; // only existence was asked for
        byName.set(key, e);
      }
      if (e.status === 'missing') missing.push(key);
    }
    entries.push(missing.length > 0
      ? { entity: b, status: 'missing', detail: `${missing.join(' and ')} missing` }
      : { entity: b, status: 'unknown', detail: 'AMQP 0-9-1 cannot check a binding; its source and destination exist' });
  }
  const differs = entries.filter((e) => e.status === 'differs');
  const missingEntities = entries.filter((e) => e.status === 'missing').map((e) => e.entity);
  return { ok: differs.length === 0 && missingEntities.length === 0 && entries.every((e) => e.status !== 'locked'), entries, missing: missingEntities, differs };
}
