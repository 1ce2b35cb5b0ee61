// The recording link (recovery/recording-link.ts): what succeeds on an application channel's link
// is told to its recorders; the connection gives its own spare channels a bare link; after a
// recovery the re-opened channel records again. Over an in-memory pipe to a scripted broker.
import { describe, expect, it } from 'vitest';
import type { AnyMethod, ProtocolRegistry } from '../../../../runtime/codec/index.js';
import { RecordingLink } from '../../../../runtime/client/recovery/recording-link.js';
import type { Link, Reply } from '../../../../runtime/client/session/link.js';
import { connect } from '../../../../runtime/index.js';
import { ScriptedBroker } from '../../../helpers/scripted-peer.js';

const m = (kind: string, args: Record<string, unknown> = {}): AnyMethod => ({ kind, ...args }) as unknown as AnyMethod;

/** A link that answers each call with `answer(m)` (or rejects with what it throws) and logs everything else. */
function fakeLink(answer: (m: AnyMethod) => AnyMethod): Link & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    id: 7,
    registry: {} as ProtocolRegistry,
    blocked: false,
    connectionState: 'open',
    connectionError: undefined,
    isOpen: true,
    call: async (method: AnyMethod): Promise<Reply> => ({ method: answer(method) }),
    send: (method) => void log.push(`send ${method.kind}`),
    queue: (method) => void log.push(`queue ${method.kind}`),
    publish: (method) => void log.push(`publish ${method.kind}`),
    writable: async () => void log.push('writable'),
    flushSoon: () => void log.push('flushSoon'),
    close: () => void log.push('close'),
  };
}

describe('RecordingLink', () => {
  it('tells each recorder, in order, of a call that succeeded, with its reply; nothing of one that failed', async () => {
    const told: string[] = [];
    const recorder = (name: string) => ({ onMethod: (method: AnyMethod, reply: AnyMethod) => void told.push(`${name} ${method.kind} -> ${reply.kind} ${(reply as unknown as { queue?: string }).queue ?? ''}`.trim()) });
    const inner = fakeLink((method) => {
      if (method.kind === 'exchange.declare') throw new Error('404');
      return m(`${method.kind}-ok`, method.kind === 'queue.declare' ? { queue: 'amq.gen-1' } : {});
    });
    const link = new RecordingLink(inner, [recorder('settings'), recorder('topology')]);
    const r = await link.call(m('queue.declare', { queue: '' }));
    expect(r.method).toMatchObject({ kind: 'queue.declare-ok', queue: 'amq.gen-1' });
    await expect(link.call(m('exchange.declare', { exchange: 'x' }))).rejects.toThrow('404');
    expect(told).toEqual(['settings queue.declare -> queue.declare-ok amq.gen-1', 'topology queue.declare -> queue.declare-ok amq.gen-1']);
  });

  it('passes everything else through to the link it wraps', async () => {
    const inner = fakeLink((method) => m(`${method.kind}-ok`));
    const link = new RecordingLink(inner, []);
    link.send(m('basic.ack'));
    link.queue(m('basic.ack'));
    link.publish(m('basic.publish'), {}, new Uint8Array(0));
    await link.writable();
    link.flushSoon();
    link.close();
    expect(inner.log).toEqual(['send basic.ack', 'queue basic.ack', 'publish basic.publish', 'writable', 'flushSoon', 'close']);
    expect([link.id, link.registry, link.blocked, link.connectionState, link.connectionError, link.isOpen]).toEqual([7, inner.registry, false, 'open', undefined, true]);
  });
});

describe('recording on a connection', () => {
  it("records what the application's channels declare, not what a spare channel does", async () => {
    const conn = await connect({ transport: ScriptedBroker.factory(), recovery: false });
    const ch = await conn.channel();
    await ch.queueDeclare('', { exclusive: true });
    await ch.queueDeclare('kept');
    const spare = await conn.spareChannel();
    await spare.queueDeclare('passing-through');
    expect(conn.topology.queues().map((q) => [q.name, q.serverNamed])).toEqual([['amq.gen-scripted', true], ['kept', false]]);
    await conn.close();
  });

  it("re-opens a channel with its prefetch after a loss, declares the recorded queue again, and records on the new link", async () => {
    const brokers: ScriptedBroker[] = [];
    const conn = await connect({ transport: ScriptedBroker.factory((b) => brokers.push(b)), recovery: { backoff: { initialDelay: 0, maxDelay: 0 } } });
    const ch = await conn.channel({ prefetch: 5 });
    await ch.queueDeclare('q1');
    const recovered = new Promise((resolve) => conn.once('recovered', resolve));
    brokers[0]!.end.fail(new Error('reset by the test'));
    await recovered;
    const second = brokers[1]!;
    expect(second.methods('basic.qos').map((r) => r.method)).toMatchObject([{ prefetchCount: 5 }]);
    expect(second.methods('queue.declare').map((r) => (r.method as unknown as { queue: string }).queue)).toEqual(['q1']);
    // After the recovery the channel's calls are recorded again, through its new link.
    await ch.prefetch(9);
    await ch.queueDeclare('q2');
    expect(conn.topology.queues().map((q) => q.name)).toEqual(['q1', 'q2']);
    const third = new Promise((resolve) => conn.once('recovered', resolve));
    second.end.fail(new Error('reset by the test'));
    await third;
    expect(brokers[2]!.methods('basic.qos').map((r) => r.method)).toMatchObject([{ prefetchCount: 9 }]);
    expect(brokers[2]!.methods('queue.declare').map((r) => (r.method as unknown as { queue: string }).queue)).toEqual(['q1', 'q2']);
    await conn.close();
  });
});
