// The topology record without a broker: what is recorded, pruned, renamed, filtered, and in what order.
import { describe, expect, it } from 'vitest';
import type { AnyMethod } from '../../../../runtime/codec/index.js';
import { TopologyRecorder, type RecordedConsumer } from '../../../../runtime/client/recovery/recorder.js';

const m = (kind: string, args: Record<string, unknown>): AnyMethod => ({ kind, ...args }) as unknown as AnyMethod;
const xdecl = (exchange: string, extra: Record<string, unknown> = {}) => m('exchange.declare', { exchange, type: 'topic', durable: true, arguments: {}, ...extra });
const qdecl = (queue: string, extra: Record<string, unknown> = {}) => m('queue.declare', { queue, durable: true, arguments: {}, ...extra });
const ok = (queue: string) => m('queue.declare-ok', { queue, messageCount: 0, consumerCount: 0 });
const qbind = (queue: string, exchange: string, routingKey = '') => m('queue.bind', { queue, exchange, routingKey, arguments: {} });
const consumer = (key: number, queue: string, channel = 1): RecordedConsumer => ({ key, channel, queue, consumerTag: '', noAck: false, exclusive: false, arguments: {} });

describe('TopologyRecorder', () => {
  it('records declarations in order: exchanges, queues under the answered name, bindings, consumers', () => {
    const r = new TopologyRecorder();
    r.onMethod(xdecl('b'));
    r.onMethod(xdecl('a'));
    r.onMethod(qdecl('q1'), ok('q1'));
    r.onMethod(qdecl('', { exclusive: true }), ok('amq.gen-1'));
    r.onMethod(qbind('q1', 'a', 'k'));
    r.onMethod(m('exchange.bind', { destination: 'b', source: 'a', routingKey: 'x', arguments: {} }));
    r.addConsumer(consumer(7, 'amq.gen-1'));
    const plan = r.plan();
    expect(plan.exchanges.map((e) => e.name)).toEqual(['b', 'a']);
    expect(plan.queues.map((q) => [q.name, q.serverNamed])).toEqual([['q1', false], ['amq.gen-1', true]]);
    expect(plan.bindings.map((b) => `${b.source}->${b.destinationKind}:${b.destination}/${b.routingKey}`)).toEqual(['a->queue:q1/k', 'a->exchange:b/x']);
    expect(plan.consumers.map((c) => c.key)).toEqual([7]);
  });

  it('leaves out passive declarations and the predefined exchanges; a binding recorded twice is one', () => {
    const r = new TopologyRecorder();
    r.onMethod(xdecl('amq.topic'));
    r.onMethod(xdecl(''));
    r.onMethod(xdecl('x', { passive: true }));
    r.onMethod(qdecl('q', { passive: true }), ok('q'));
    r.onMethod(qbind('q2', 'amq.topic'));
    r.onMethod(qbind('q2', 'amq.topic'));
    expect(r.exchanges()).toEqual([]);
    expect(r.queues()).toEqual([]);
    expect(r.bindings()).toHaveLength(1); // bindings to amq.* are the application's own
  });

  it('prunes: exchange delete takes its bindings both ways, queue delete its bindings and consumers, unbind one binding', () => {
    const r = new TopologyRecorder();
    r.onMethod(xdecl('a'));
    r.onMethod(xdecl('b'));
    r.onMethod(qdecl('q'), ok('q'));
    r.onMethod(qbind('q', 'a', '1'));
    r.onMethod(qbind('q', 'b', '2'));
    r.onMethod(m('exchange.bind', { destination: 'b', source: 'a', routingKey: '', arguments: {} }));
    r.addConsumer(consumer(1, 'q'));
    r.onMethod(m('queue.unbind', { queue: 'q', exchange: 'b', routingKey: '2', arguments: {} }));
    expect(r.bindings().map((b) => b.routingKey)).toEqual(['1', '']);
    r.onMethod(m('exchange.delete', { exchange: 'b' }));
    expect(r.bindings().map((b) => b.routingKey)).toEqual(['1']);
    r.onMethod(m('queue.delete', { queue: 'q' }));
    expect(r.queues()).toEqual([]);
    expect(r.bindings()).toEqual([]);
    expect(r.consumers()).toEqual([]);
    expect(r.exchanges().map((e) => e.name)).toEqual(['a']);
  });

  it('auto-delete lifetimes: a queue goes with its last consumer, an exchange with its last binding', () => {
    const r = new TopologyRecorder();
    r.onMethod(xdecl('ad', { autoDelete: true }));
    r.onMethod(qdecl('q', { autoDelete: true }), ok('q'));
    r.onMethod(qdecl('keep'), ok('keep'));
    r.onMethod(qbind('q', 'ad'));
    r.onMethod(qbind('keep', 'ad'));
    r.addConsumer(consumer(1, 'q'));
    r.addConsumer(consumer(2, 'q'));
    r.deleteConsumer(1);
    expect(r.queues().map((q) => q.name)).toEqual(['q', 'keep']);
    r.deleteConsumer(2);
    expect(r.queues().map((q) => q.name)).toEqual(['keep']); // and its binding with it
    expect(r.exchanges().map((e) => e.name)).toEqual(['ad']); // still bound to 'keep'
    r.onMethod(m('queue.unbind', { queue: 'keep', exchange: 'ad', routingKey: '', arguments: {} }));
    expect(r.exchanges()).toEqual([]);
  });

  it('a server-named queue renamed: bindings and consumers follow, the order is kept, old names resolve', () => {
    const r = new TopologyRecorder();
    r.onMethod(qdecl('first'), ok('first'));
    r.onMethod(qdecl('', { exclusive: true }), ok('amq.gen-A'));
    r.onMethod(qdecl('last'), ok('last'));
    r.onMethod(qbind('amq.gen-A', 'x', 'one'));
    r.onMethod(qbind('amq.gen-A', 'y', 'two'));
    r.addConsumer(consumer(5, 'amq.gen-A'));
    const moved = r.renameQueue('amq.gen-A', 'amq.gen-B');
    expect(moved.map((c) => [c.key, c.queue])).toEqual([[5, 'amq.gen-B']]);
    expect(r.queues().map((q) => q.name)).toEqual(['first', 'amq.gen-B', 'last']);
    expect(r.bindings().map((b) => `${b.destination}/${b.routingKey}`)).toEqual(['amq.gen-B/one', 'amq.gen-B/two']);
    expect(r.consumer(5)?.queue).toBe('amq.gen-B');
    r.renameQueue('amq.gen-B', 'amq.gen-C');
    expect(r.currentName('amq.gen-A')).toBe('amq.gen-C');
    expect(r.currentName('first')).toBe('first');
    expect(r.queues()[1]).toMatchObject({ name: 'amq.gen-C', serverNamed: true, exclusive: true });
  });

  it('the filter chooses what a replay declares; clear() forgets all', () => {
    const r = new TopologyRecorder();
    r.onMethod(xdecl('keep'));
    r.onMethod(xdecl('tmp.skip'));
    r.onMethod(qdecl('q'), ok('q'));
    r.addConsumer(consumer(1, 'q'));
    const plan = r.plan({ exchange: (e) => !e.name.startsWith('tmp.'), consumer: () => false });
    expect(plan.exchanges.map((e) => e.name)).toEqual(['keep']);
    expect(plan.queues).toHaveLength(1);
    expect(plan.consumers).toEqual([]);
    r.clear();
    expect(r.plan()).toEqual({ exchanges: [], queues: [], bindings: [], consumers: [] });
  });
});
