// Rule leader-locator-classic: a rule that needs the queue type as well as the argument.
import { describe, expect, it } from 'vitest';
import { BrokerRules } from '../../../runtime/client/broker-rules.js';
import type { AnyMethod } from 'warren/codec';

const rules = (version: string) => new BrokerRules({ serverProperties: () => ({ product: 'RabbitMQ', version }) });
const declare = (args: Record<string, unknown>, o: Record<string, unknown> = {}) =>
  ({ kind: 'queue.declare', queue: 'q', passive: false, durable: true, exclusive: false, autoDelete: false, noWait: false, arguments: args, ...o }) as unknown as AnyMethod;
const locator = { 'x-queue-leader-locator': 'balanced' };

describe('leader-locator-classic', () => {
  it('refuses x-queue-leader-locator on a classic queue (untyped counts as classic) from 3.8 to before 4.0', () => {
    for (const version of ['3.8.0', '3.10.8', '3.13.7']) {
      expect(() => rules(version).check(declare(locator))).toThrow(/leader-locator-classic/);
      expect(() => rules(version).check(declare({ ...locator, 'x-queue-type': 'classic' }))).toThrow(/406 PRECONDITION_FAILED/);
      expect(() => rules(version).check(declare({ ...locator, 'x-queue-type': new TextEncoder().encode('classic') }))).toThrow(/leader-locator-classic/);
    }
  });

  it('lets through quorum queues and streams, other versions, passive declares and classic queues without it', () => {
    for (const type of ['quorum', 'stream']) expect(() => rules('3.10.8').check(declare({ ...locator, 'x-queue-type': type }))).not.toThrow();
    for (const version of ['3.7.28', '4.0.0', '4.3.6']) expect(() => rules(version).check(declare(locator))).not.toThrow();
    expect(() => rules('3.10.8').check(declare(locator, { passive: true }))).not.toThrow();
    expect(() => rules('3.10.8').check(declare({ 'x-queue-type': 'classic' }))).not.toThrow();
  });
});
