// The broker rules as pure data and functions: version parsing, matching, refusal, warnings once,
// and the explanation of a 541 (the transient-queue case needs a broker configured to deny it;
// here the broker's exact text is fed in).
import { describe, expect, it } from 'vitest';
import { InternalError, PreconditionFailedError } from 'warren';
import { BROKER_RULES, BrokerRules, brokerInfo, versionAtLeast, type BrokerRule } from '../../../runtime/client/broker-rules.js';
import { streamOffsetOf } from '../../../runtime/client/rabbitmq/stream-headers.js';
import { resolveOptions } from '../../../runtime/client/options.js';
import type { AnyMethod } from 'warren/codec';

const props = (version: string, product = 'RabbitMQ') => ({ product, version, capabilities: { per_consumer_qos: true, 'basic.nack': true, x: 'not a flag' } });
const declare = (o: Record<string, unknown>) => ({ kind: 'queue.declare', queue: 'q', passive: false, durable: true, exclusive: false, autoDelete: false, noWait: false, arguments: {}, ...o }) as unknown as AnyMethod;

describe('brokerInfo', () => {
  it('parses product, version numbers and boolean capabilities', () => {
    const b = brokerInfo(props('4.3.6'));
    expect(b).toMatchObject({ product: 'RabbitMQ', version: '4.3.6', major: 4, minor: 3, patch: 6, isRabbitMQ: true });
    expect(b.capabilities).toEqual({ per_consumer_qos: true, 'basic.nack': true });
    expect(brokerInfo(props('4.3.0-rc.1'))).toMatchObject({ major: 4, minor: 3, patch: 0 });
    expect(brokerInfo({})).toMatchObject({ product: '', version: '', major: 0, isRabbitMQ: false });
    expect(versionAtLeast(brokerInfo(props('3.10.8')), '3.12')).toBe(false);
    expect(versionAtLeast(brokerInfo(props('3.13.0')), '3.12')).toBe(true);
    expect(versionAtLeast(brokerInfo(props('4.3.6')), '4.3')).toBe(true);
  });
});

describe('BrokerRules', () => {
  const rules = (version: string, extra: { permit?: string[]; warn?: (m: string) => void; product?: string } = {}) =>
    new BrokerRules({ serverProperties: () => props(version, extra.product), logger: { warn: extra.warn }, permitDeprecatedFeatures: extra.permit });

  it('refuses by version, and not for another product or a permitted feature', () => {
    const m = declare({ arguments: { 'x-queue-master-locator': 'min-masters' } });
    expect(() => rules('4.3.6').check(m)).toThrow(/queue-master-locator/);
    expect(() => rules('4.2.1').check(m)).not.toThrow();
    expect(() => rules('4.3.6', { product: 'LavinMQ' }).check(m)).not.toThrow();
    expect(() => rules('4.3.6', { permit: ['queue_master_locator'] }).check(m)).not.toThrow();
    expect(() => rules('4.3.6').check(declare({ arguments: { 'x-queue-version': 2 } }))).not.toThrow();
    expect(() => rules('4.3.6').check(declare({ arguments: { 'x-queue-version': 1n } }))).toThrow(/classic-queue-v1/);
  });

  it('stream-offset-string: only invalid strings', () => {
    const consume = (v: unknown) => ({ kind: 'basic.consume', queue: 's', consumerTag: '', noLocal: false, noAck: false, exclusive: false, noWait: false, arguments: { 'x-stream-offset': v } }) as unknown as AnyMethod;
    const r = rules('3.10.8');
    for (const ok of ['first', 'last', 'next', '1h', '7D', 12, 2n ** 60n, new Date(), new TextEncoder().encode('first')]) expect(() => r.check(consume(ok))).not.toThrow();
    for (const bad of ['bogus', '1 h', 'First', '', '0s', '00D', new TextEncoder().encode('x')]) expect(() => r.check(consume(bad))).toThrow(/stream-offset-string/);
    expect(() => r.check(consume('01h'))).not.toThrow();
  });

  it('delivery-limit-unlimited: -1 refused before 4.0 only', () => {
    const m = (v: unknown) => declare({ arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': v } });
    expect(() => rules('3.10.8').check(m(-1))).toThrow(/delivery-limit-unlimited/);
    expect(() => rules('3.13.7').check(m(-1n))).toThrow(/delivery-limit-unlimited/);
    expect(() => rules('3.10.8').check(m(5))).not.toThrow();
    expect(() => rules('4.0.0').check(m(-1))).not.toThrow();
    expect(() => rules('4.3.6').check(m(-1))).not.toThrow();
  });

  it('warns once per rule and connection', () => {
    const warnings: string[] = [];
    const r = rules('4.3.6', { warn: (w) => void warnings.push(w) });
    const qos = { kind: 'basic.qos', prefetchSize: 0, prefetchCount: 5, global: true } as unknown as AnyMethod;
    r.check(qos);
    r.check(qos);
    r.check({ ...qos, global: false } as AnyMethod);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/global-qos.*RabbitMQ 4\.3\.6|RabbitMQ 4\.3\.6.*global-qos/);
  });

  it('explains a 541 naming a deprecated feature, with the rule when one matches', () => {
    const text = 'INTERNAL_ERROR - Feature `transient_nonexcl_queues` is deprecated.\nBy default, this feature is not permitted anymore.';
    const e = new InternalError({ replyText: text, method: 'queue.declare' });
    const explained = rules('4.3.6').explain(declare({ durable: false }), e) as Error & Record<string, unknown>;
    expect(explained.name).toBe('DeprecatedFeatureError');
    expect(explained).toMatchObject({ feature: 'transient_nonexcl_queues', rule: 'transient-nonexclusive-queue', permitSetting: 'deprecated_features.permit.transient_nonexcl_queues = true', replyCode: 541 });
    expect(explained.message).toMatch(/durable.*exclusive/);
    expect(explained.cause).toBe(e);
    // A feature no rule describes is still named.
    const other = new InternalError({ replyText: 'INTERNAL_ERROR - Feature `some_future_thing` is deprecated.' });
    expect(rules('4.3.6').explain(declare({}), other)).toMatchObject({ name: 'DeprecatedFeatureError', feature: 'some_future_thing', rule: undefined });
    // Anything else is left as it is.
    const plain = new InternalError({ replyText: 'INTERNAL_ERROR' });
    expect(rules('4.3.6').explain(declare({ durable: true }), plain)).toBe(plain);
    const pf = new PreconditionFailedError({ replyText: 'PRECONDITION_FAILED' });
    expect(rules('4.3.6').explain(declare({}), pf)).toBe(pf);
  });

  it('every rule is complete data', () => {
    for (const r of BROKER_RULES as BrokerRule[]) {
      expect(r.id).toMatch(/^[a-z0-9-]+$/);
      expect(r.since).toMatch(/^\d+\.\d+/);
      expect(['refuse', 'warn', 'explain']).toContain(r.action);
      expect(r.behaviour.length).toBeGreaterThan(20);
      expect(r.remedy.length).toBeGreaterThan(5);
      if (r.action === 'explain') expect(r.feature).toBeDefined();
    }
  });
});

it('stream offsets beyond 2^53 come out as bigint', () => {
  expect(streamOffsetOf({ 'x-stream-offset': 2n ** 60n })).toBe(2n ** 60n);
  expect(streamOffsetOf({ 'x-stream-offset': 7 })).toBe(7);
  expect(streamOffsetOf({})).toBeUndefined();
});

it('permitDeprecatedFeatures takes feature names only', () => {
  expect(resolveOptions(undefined, { permitDeprecatedFeatures: ['queue_master_locator'] }).permitDeprecatedFeatures).toEqual(['queue_master_locator']);
  expect(resolveOptions(undefined, {}).permitDeprecatedFeatures).toEqual([]);
  expect(() => resolveOptions(undefined, { permitDeprecatedFeatures: 'queue_master_locator' as unknown as string[] })).toThrow(/array/);
  expect(() => resolveOptions(undefined, { permitDeprecatedFeatures: ['x-queue-master-locator'] })).toThrow(/deprecated-feature names/);
});
