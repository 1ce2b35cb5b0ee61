/**
 * TTL retry tiers (runtime/client/retry/tiers.ts) on both brokers: a failing handler's message
 * climbs the ladder by broker dead-lettering alone, its x-death counts the attempts, the broker's
 * own timestamps show each tier's delay (to its one-second granularity), and the retries used
 * up, it lands in the dead-letter queue. Declaring is idempotent and recorded for recovery.
 *
 * Each test allows 120 s: it waits out real delays (seconds) and calls rabbitmqctl, which takes
 * 0.5 s idle and up to 5 s a call on the loaded 2-core CI machine.
 */
import { expect, it } from 'vitest';
import { declare, Queue, retrying, retryTiers, type Message, type RetryNext } from 'warren';
import { closeConnection, uniqueName } from '../../helpers/broker.js';
import { nextEvent } from '../../helpers/broker-extra.js';
import { brokerNow, cleanup, connection, queueCounts, until } from './fixture.js';

function names(plan: ReturnType<typeof retryTiers>): { queues: string[]; exchanges: string[] } {
  return { queues: [plan.queue, ...plan.tierQueues, plan.deadLetterQueue], exchanges: [plan.exchange, `${plan.exchange}.first`, `${plan.exchange}.return`] };
}

for (const queueType of ['classic', 'quorum'] as const) {
  it(`a failing ${queueType} work queue's message waits in each tier (x-death, broker clock), then reaches the dead-letter queue`, async () => {
    const conn = await connection();
    const ch = await conn.channel({ confirm: true });
    const plan = retryTiers(uniqueName('tiers'), { delays: [1000, 2000] });
    cleanup(names(plan));
    await ch.queueDeclare(plan.queue, { durable: true, queueType, ...plan.queueOptions });
    await plan.declare(ch);

    const seen: Array<{ routingKey: string; deaths: Message['deaths'] }> = [];
    const retries: RetryNext[] = [];
    const consumer = await ch.consume(plan.queue, retrying(plan, (m: Message) => {
      seen.push({ routingKey: m.routingKey, deaths: m.deaths });
      throw new Error('handler fails every time');
    }, { onRetry: (_e, _m, next) => void retries.push(next) }), { prefetch: 1 });
    consumer.on('handlerError', () => undefined);

    const before = await brokerNow();
    await ch.sendToQueue(plan.queue, 'job', { persistent: true });
    await until(async () => (await ch.checkQueue(plan.deadLetterQueue)).messageCount === 1);
    const after = await brokerNow();
    await consumer.close();

    // Three deliveries: the first, then one after each tier; keyed by where they came from.
    expect(seen.map((s) => s.routingKey)).toEqual([plan.queue, plan.tierQueues[1], plan.deadLetterQueue]);
    expect(retries).toEqual([
      { attempt: 1, delay: 1000, outcome: 'discarded', sent: true },
      { attempt: 2, delay: 2000, outcome: 'discarded', sent: true },
      { deadLetter: true, outcome: 'discarded', sent: true },
    ]);

    const dead = await ch.get(plan.deadLetterQueue, { noAck: true });
    const deaths = dead!.deaths;
    const entry = (queue: string, reason: string) => deaths.find((d) => d.queue === queue && d.reason === reason);
    expect(entry(plan.queue, 'rejected')?.count).toBe(3);
    expect(plan.failuresOf(dead!)).toBe(3);
    expect(entry(plan.tierQueues[0]!, 'expired')?.count).toBe(1);
    expect(entry(plan.tierQueues[1]!, 'expired')?.count).toBe(1);

    // Broker clock, whole seconds: rejected at r (first time), out of tier 1 at t1, of tier 2 at t2.
    const r = entry(plan.queue, 'rejected')!.time!.getTime();
    const t1 = entry(plan.tierQueues[0]!, 'expired')!.time!.getTime();
    const t2 = entry(plan.tierQueues[1]!, 'expired')!.time!.getTime();
    expect(r).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    // floor(a + d) = floor(a) + d for whole-second d: a tier never lets a message out early.
    expect(t1 - r).toBeGreaterThanOrEqual(1000);
    expect(t2 - t1).toBeGreaterThanOrEqual(2000);
    expect(t2).toBeLessThanOrEqual(after);
    console.log(`tiers (${queueType}): tier 1 held ${(t1 - r) / 1000} s, tier 2 ${(t2 - t1) / 1000} s (broker x-death times, 1 s granularity)`);

    const counts = await queueCounts([plan.queue, ...plan.tierQueues, plan.deadLetterQueue]);
    expect(Object.values(counts)).toEqual([0, 0, 0, 0]); // nothing left anywhere: the one message was read from the DLQ
  }, 120_000);
}

it('declaring the tiers twice is a no-op; the record replays them after a connection loss', async () => {
  const name = uniqueName('tiers-rec');
  const conn = await connection({ connectionName: name });
  const ch = await conn.channel({ confirm: true });
  const plan = retryTiers(uniqueName('tiers'), { delays: [1000] });
  cleanup(names(plan));
  const work = new Queue(plan.queue, { durable: true, ...plan.queueOptions });
  await declare(ch, [work, ...plan.entities()]);
  await plan.declare(ch); // again: the same arguments, so the broker accepts it
  expect(conn.topology.queues().map((q) => q.name)).toEqual(expect.arrayContaining([plan.queue, ...plan.tierQueues, plan.deadLetterQueue]));
  expect(conn.topology.exchanges().map((x) => x.name)).toEqual(expect.arrayContaining([plan.exchange]));

  // Someone deletes the ladder; a recovery declares it again from the record.
  const other = await connection();
  const och = await other.channel();
  for (const q of [...plan.tierQueues, plan.deadLetterQueue]) await och.queueDelete(q);
  await och.exchangeDelete(plan.exchange);
  const recovered = nextEvent(conn, 'recovered', 20_000);
  await closeConnection(name, 'retry tiers recovery test');
  await recovered;
  for (const q of [...plan.tierQueues, plan.deadLetterQueue]) expect((await och.checkQueue(q)).messageCount).toBe(0);
  await och.checkExchange(plan.exchange);

  // And it works: one failure later the message sits in tier 1, then comes back.
  await ch.sendToQueue(plan.queue, 'again');
  const m = await ch.get(plan.queue);
  expect(m).not.toBeNull();
  m!.reject();
  const consumer = await ch.consume(plan.queue, { prefetch: 1 });
  const back = (await consumer.receive({ timeout: 15_000 }))!;
  expect(back.text()).toBe('again');
  expect(plan.failuresOf(back)).toBe(1);
  back.ack();
  await consumer.close();
}, 120_000);

it('consume({ retry: plan }) retries a failing handler up the ladder; message.retry() needs a plan', async () => {
  const conn = await connection();
  const ch = await conn.channel({ confirm: true });
  const plan = retryTiers(uniqueName('tiers-opt'), { delays: [200] });
  cleanup(names(plan));
  await ch.queueDeclare(plan.queue, { durable: true, ...plan.queueOptions });
  await plan.declare(ch);
  const attempts: number[] = [];
  const consumer = await ch.consume(plan.queue, (m) => {
    attempts.push(plan.failuresOf(m) + 1);
    throw new Error('fails');
  }, { retry: plan });
  consumer.on('handlerError', () => undefined);
  await ch.sendToQueue(plan.queue, 'job');
  await until(async () => (await ch.checkQueue(plan.deadLetterQueue)).messageCount === 1);
  await consumer.close();
  expect(attempts).toEqual([1, 2]);
  const dead = (await ch.get(plan.deadLetterQueue))!;
  expect(dead.deaths.find((d) => d.queue === plan.queue)?.count).toBe(2);
  expect(() => dead.retry()).toThrow(/no retry plan/);
  dead.ack();
}, 120_000);
