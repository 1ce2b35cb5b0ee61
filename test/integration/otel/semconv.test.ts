// The destination-name rules of the RabbitMQ messaging conventions, and the header carrier.
import { describe, expect, it } from 'vitest';
import { consumerDestination, headerGetter, headerSetter, producerDestination } from '../../../runtime/otel/index.js';

describe('destination names', () => {
  it('producer: {exchange}:{routing key}, the one present, or amq.default', () => {
    expect(producerDestination('logs', 'warning')).toBe('logs:warning');
    expect(producerDestination('', 'tasks')).toBe('tasks');
    expect(producerDestination('fanout', '')).toBe('fanout');
    expect(producerDestination('', '')).toBe('amq.default');
  });

  it('consumer: {exchange}:{routing key}:{queue}, empty parts and a queue equal to the routing key left out', () => {
    expect(consumerDestination('logs', 'warning', 'warnings')).toBe('logs:warning:warnings');
    expect(consumerDestination('', 'tasks', 'tasks')).toBe('tasks');
    expect(consumerDestination('fanout', '', 'q')).toBe('fanout:q');
    expect(consumerDestination(undefined, undefined, 'q')).toBe('q');
  });
});

describe('header carrier', () => {
  it('reads strings and UTF-8 bytes, ignores other values; writes strings', () => {
    const h = { traceparent: new TextEncoder().encode('00-abc-def-01'), tracestate: 'a=1', n: 5 };
    expect(headerGetter.get(h, 'traceparent')).toBe('00-abc-def-01');
    expect(headerGetter.get(h, 'tracestate')).toBe('a=1');
    expect(headerGetter.get(h, 'n')).toBeUndefined();
    expect(headerGetter.keys(h)).toEqual(['traceparent', 'tracestate', 'n']);
    const out = {};
    headerSetter.set(out, 'traceparent', 'x');
    expect(out).toEqual({ traceparent: 'x' });
  });
});
