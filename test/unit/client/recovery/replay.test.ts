// The replay without a broker: a fake host records every step, to check the order (channels,
// exchanges, queues, bindings under renamed names, consumers, resume), that a refused
// declaration is reported by name while the rest goes on, that timeouts are retried, and that a
// lost connection stops the replay.
import { describe, expect, it } from 'vitest';
import type { AnyMethod } from '../../../../runtime/codec/index.js';
import { OperationAbortedError, ConnectionClosedError } from '../../../../runtime/errors.js';
import { PreconditionFailedError, ResourceLockedError } from '../../../../generated/errors.js';
import { TopologyRecoveryError } from '../../../../runtime/client/recovery/errors.js';
import { TopologyRecorder } from '../../../../runtime/client/recovery/recorder.js';
import { replay, type ReplayHost, type SpareChannel } from '../../../../runtime/client/recovery/replay.js';

const m = (kind: string, args: Record<string, unknown>): AnyMethod => ({ kind, ...args }) as unknown as AnyMethod;
const r = { topology: true, topologyFilter: {}, declarationTimeout: 1_000, declarationRetries: 2 };

function world(answer: (method: Record<string, unknown>) => unknown = () => undefined) {
  const log: string[] = [];
  const topology = new TopologyRecorder();
  let open = true;
  let spares = 0;
  const consumer = { key: 1, tag: 'old', queue: '', end: (e: unknown) => log.push(`end consumer ${e === undefined ? '' : 'with error'}`) };
  const userChannel = {
    key: 10,
    id: 1,
    isOpen: true,
    consumerByKey: (k: number) => (k === 1 ? consumer : undefined),
    reconsume: async (_c: unknown, rec: { queue: string }) => void log.push(`consume ${rec.queue}`),
    endConsumersExcept: (keys: ReadonlySet<number>) => void log.push(`keep consumers ${[...keys].join(',')}`),
    resume: () => void log.push('resume'),
    onClosed: () => void log.push('channel closed'),
  };
  const host: ReplayHost = {
    topology,
    // Time injected: a 405 retry's pause and the declaration timeouts never wait on a real timer here.
    clock: { sleep: async (ms) => void log.push(`sleep ${ms}`), timeout: () => new AbortController().signal },
    channels: () => [userChannel],
    reopen: async () => void log.push('reopen channel'),
    spareChannel: async () => {
      const n = ++spares;
      log.push(`spare ${n}`);
      return {
        isOpen: true,
        close: async () => undefined,
        requestNow: async (method: Record<string, unknown>) => {
          const name = (method.queue ?? method.exchange ?? method.destination) as string;
          log.push(`${method.kind as string} ${name}${method.routingKey !== undefined ? ` ${method.routingKey as string}` : ''}`);
          const a = answer(method);
          if (a instanceof Error) throw a;
          if (method.kind === 'queue.declare') return { method: { kind: 'queue.declare-ok', queue: (a as string | undefined) ?? (name || 'amq.gen-1') } };
          return { method: { kind: 'ok' } };
        },
      } as unknown as SpareChannel;
    },
    isOpen: () => open,
    report: (e) => void log.push(`report ${e.message.split(':')[0]}`),
    renamed: (from, to) => {
      topology.renameQueue(from, to);
      log.push(`renamed ${from} -> ${to}`);
    },
  };
  topology.onMethod(m('exchange.declare', { exchange: 'x', type: 'topic', durable: true, arguments: {} }));
  topology.onMethod(m('queue.declare', { queue: 'durable', durable: true, arguments: {} }), m('queue.declare-ok', { queue: 'durable' }));
  topology.onMethod(m('queue.declare', { queue: '', exclusive: true, arguments: {} }), m('queue.declare-ok', { queue: 'amq.gen-1' }));
  topology.onMethod(m('queue.bind', { queue: 'amq.gen-1', exchange: 'x', routingKey: 'k', arguments: {} }));
  topology.addConsumer({ key: 1, channel: 10, queue: 'amq.gen-1', consumerTag: '', noAck: false, exclusive: false, arguments: {} });
  return { log, host, lose: () => (open = false), topology };
}

describe('replay', () => {
  it('runs in order: channels, exchanges, queues (a server-named one renamed), bindings and consumers on the new name, resume', async () => {
    const w = world((method) => (method.kind === 'queue.declare' && method.queue === '' ? 'amq.gen-2' : undefined));
    await replay(w.host, r, new AbortController().signal);
    expect(w.log).toEqual([
      'reopen channel',
      'spare 1',
      'exchange.declare x',
      'queue.declare durable',
      'queue.declare ',
      'renamed amq.gen-1 -> amq.gen-2',
      'queue.bind amq.gen-2 k',
      'consume amq.gen-2',
      'keep consumers 1',
      'resume',
    ]);
  });

  it('a refused declaration is reported by name, on a fresh channel the rest goes on; a timeout is retried', async () => {
    let timeouts = 0;
    const w = world((method) => {
      if (method.queue === 'durable') return new PreconditionFailedError({ replyText: 'PRECONDITION_FAILED - inequivalent arg', classId: 50, methodId: 10 } as never);
      if (method.kind === 'exchange.declare' && timeouts++ === 0) return new OperationAbortedError('timed out');
      return undefined;
    });
    const reports: string[] = [];
    w.host.report = (e: TopologyRecoveryError) => void reports.push(JSON.stringify(e.entity));
    await replay(w.host, r, new AbortController().signal);
    expect(reports).toEqual([JSON.stringify({ kind: 'queue', name: 'durable' })]);
    expect(w.log.filter((l) => l.startsWith('exchange.declare'))).toHaveLength(2);
    expect(w.log.filter((l) => l.startsWith('spare'))).toEqual(['spare 1', 'spare 2', 'spare 3']);
    expect(w.log).toContain('queue.bind amq.gen-1 k');
    expect(w.log.at(-1)).toBe('resume');
  });

  it('the connection lost during the replay: it throws, nothing resumes', async () => {
    const w = world((method) => {
      if (method.kind === 'queue.declare') {
        w.lose();
        return new ConnectionClosedError('lost');
      }
      return undefined;
    });
    await expect(replay(w.host, r, new AbortController().signal)).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(w.log).not.toContain('resume');
  });

  it('topology off: only channels come back; consumers end', async () => {
    const w = world();
    await replay(w.host, { ...r, topology: false }, new AbortController().signal);
    expect(w.log).toEqual(['reopen channel', 'keep consumers ', 'resume']);
  });

  it('405 resource-locked (an exclusive queue of the old connection): retried after a pause of the injected clock', async () => {
    let locked = 2;
    const w = world((method) => {
      if (method.kind === 'queue.declare' && method.queue === 'durable' && locked-- > 0) return new ResourceLockedError({ replyText: 'RESOURCE_LOCKED', classId: 50, methodId: 10 } as never);
      return undefined;
    });
    await replay(w.host, r, new AbortController().signal);
    expect(w.log.filter((l) => l.startsWith('sleep') || l === 'queue.declare durable')).toEqual(['queue.declare durable', 'sleep 200', 'queue.declare durable', 'sleep 400', 'queue.declare durable']);
    expect(w.log.at(-1)).toBe('resume');
  });
});
