/**
 * Native delayed retry of quorum queues (RabbitMQ 4.3), checked against the broker's own clock:
 * the delay a return brings is read from the queue's state machine (`next_delayed_at`, the
 * broker's ms clock) and bracketed by the broker clock read just before the settlement and just
 * after the delayed set shows the message: `delay ∈ [nextAt − after, nextAt − before]` holds
 * whatever the machine's load. The redelivery never comes before `nextAt`. On 3.10 the same
 * arguments are accepted and ignored: the message comes back at once.
 *
 * Each test allows 120 s: it waits out real delays (seconds) and calls rabbitmqctl, which takes
 * 0.5 s idle and up to 5 s a call on the loaded 2-core CI machine.
 */
import { expect, it } from 'vitest';
import { isBrokerRuleError, nativeRetry, retryMessage, type Message } from 'warren';
import { brokerAtLeast, uniqueName } from '../../helpers/broker.js';
import { brokerNow, cleanup, connection, delayedSet, queueCounts, until, withoutBrokerRules } from './fixture.js';

async function waitDelayed(queue: string): Promise<number> {
  let nextAt = 0;
  await until(async () => {
    const s = await delayedSet(queue);
    nextAt = s.nextAt;
    return s.delayed === 1;
  });
  return nextAt;
}

it('4.3: retries of a failing message wait min × delivery-count (capped at max), then the limit dead-letters at once', async () => {
  const conn = await connection();
  const ch = await conn.channel({ confirm: true });
  const queue = uniqueName('native');
  const dlq = `${queue}.dead`;
  cleanup({ queues: [queue, dlq] });
  const plan = nativeRetry({ type: 'failed', min: 1000, max: 2500, limit: 3 });
  await ch.queueDeclare(dlq, { durable: true });
  if (!brokerAtLeast('4.3')) {
    // 3.10 would accept the arguments and ignore them: warren refuses them on the call...
    const refused = await ch.queueDeclare(queue, { ...plan.queueOptions, deadLetterExchange: '', deadLetterRoutingKey: dlq }).catch((e: unknown) => e);
    expect(isBrokerRuleError(refused) && refused.rule).toBe('delayed-retry');
    expect(ch.isOpen).toBe(true);
    // ...because, sent anyway, a failed return comes back at once.
    withoutBrokerRules(conn);
    await ch.queueDeclare(queue, { ...plan.queueOptions, deadLetterExchange: '', deadLetterRoutingKey: dlq });
    await ch.sendToQueue(queue, 'job');
    const first = (await ch.get(queue))!;
    retryMessage(first, plan);
    const again = await ch.get(queue);
    expect(again?.deliveryCount).toBe(1); // there at once: no delay
    again!.ack();
    return;
  }
  await ch.queueDeclare(queue, { ...plan.queueOptions, deadLetterExchange: '', deadLetterRoutingKey: dlq });
  await ch.sendToQueue(queue, 'job');
  const consumer = await ch.consume(queue, { prefetch: 1 });
  const measured: number[] = [];
  let message = (await consumer.receive({ timeout: 10_000 })) as Message;
  for (const expected of [1000, 2000, 2500]) {
    const before = await brokerNow();
    const next = retryMessage(message, plan);
    expect(next).toMatchObject({ delay: expected, outcome: 'failed', sent: true });
    const nextAt = await waitDelayed(queue);
    const after = await brokerNow();
    expect(nextAt - after).toBeLessThanOrEqual(expected);
    expect(nextAt - before).toBeGreaterThanOrEqual(expected);
    measured.push(nextAt - before);
    message = (await consumer.receive({ timeout: 15_000 })) as Message;
    expect(await brokerNow()).toBeGreaterThanOrEqual(nextAt); // never early
    expect(message.deliveryCount).toBe(measured.length);
  }
  console.log(`native 4.3: broker-side delays (ready-at minus broker time before the reject) ${measured.join(', ')} ms for 1000, 2000, 2500`);
  // The limit (3) is used up: this reject dead-letters at once, with no delay.
  expect(retryMessage(message, plan)).toMatchObject({ deadLetter: true, outcome: 'failed', sent: true });
  await until(async () => (await ch.checkQueue(dlq)).messageCount === 1);
  expect((await delayedSet(queue)).delayed).toBe(0);
  await consumer.close();
  const dead = (await ch.get(dlq, { noAck: true }))!;
  expect(dead.deaths[0]).toMatchObject({ queue, reason: 'delivery_limit', count: 1 });
  expect((await ch.checkQueue(queue)).messageCount).toBe(0);
  // rabbitmqctl's figures for a quorum queue come from its periodic stats: they catch up.
  await until(async () => JSON.stringify(await queueCounts([queue, dlq])) === JSON.stringify({ [queue]: 0, [dlq]: 0 }), 30_000);
}, 120_000);

it('which returns each x-delayed-retry-type delays (4.3), and none on 3.10', async () => {
  const conn = withoutBrokerRules(await connection()); // on 3.10: to show what the broker does with them
  const ch = await conn.channel({ confirm: true });
  const rows: string[] = [];
  for (const type of ['failed', 'returned', 'all'] as const) {
    for (const how of ['reject', 'nack'] as const) {
      const queue = uniqueName(`native-${type}-${how}`);
      cleanup({ queues: [queue] });
      await ch.queueDeclare(queue, nativeRetry({ type, min: 60_000 }).queueOptions);
      await ch.sendToQueue(queue, 'job');
      const m = (await ch.get(queue))!;
      const before = await brokerNow();
      if (how === 'reject') m.reject({ requeue: true });
      else m.nack({ requeue: true });
      const expectDelay = brokerAtLeast('4.3') && (type === 'all' || (type === 'failed') === (how === 'reject'));
      if (expectDelay) {
        const nextAt = await waitDelayed(queue);
        expect(nextAt - before).toBeGreaterThanOrEqual(60_000);
        expect(await ch.get(queue)).toBeNull(); // held by the broker
      } else {
        let again: Message | null = null;
        await until(async () => (again = await ch.get(queue)) !== null);
        (again as unknown as Message).ack();
      }
      rows.push(`${type}/${how}: ${expectDelay ? 'delayed' : 'at once'}`);
    }
  }
  expect(rows).toEqual(
    brokerAtLeast('4.3')
      ? ['failed/reject: delayed', 'failed/nack: at once', 'returned/reject: at once', 'returned/nack: delayed', 'all/reject: delayed', 'all/nack: delayed']
      : ['failed/reject: at once', 'failed/nack: at once', 'returned/reject: at once', 'returned/nack: at once', 'all/reject: at once', 'all/nack: at once'],
  );
}, 120_000);

it('4.3 silently disables a delayed retry it cannot use (no min): why warren checks the options on the call', async () => {
  const conn = withoutBrokerRules(await connection());
  const ch = await conn.channel();
  const queue = uniqueName('native-nomin');
  cleanup({ queues: [queue] });
  await ch.queueDeclare(queue, { queueType: 'quorum', arguments: { 'x-delayed-retry-type': 'all' } }); // accepted by both brokers
  await ch.confirmSelect();
  await ch.sendToQueue(queue, 'job');
  (await ch.get(queue))!.reject({ requeue: true });
  let again: Message | null = null;
  await until(async () => (again = await ch.get(queue)) !== null);
  expect((again as unknown as Message).deliveryCount).toBe(1); // back at once, not delayed
  expect(() => nativeRetry({ type: 'all' })).toThrow(/min: is required/);
}, 120_000);
