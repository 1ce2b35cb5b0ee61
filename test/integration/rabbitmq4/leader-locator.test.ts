// leaderLocator (x-queue-leader-locator) by queue type and version (issue 20 item 10), as the
// brokers answer: before 4.0 a classic queue does not take it (3.10.8 answers 406 "invalid arg
// 'x-queue-leader-locator' ... of queue type rabbit_classic_queue" and closes the channel), so
// warren refuses it on the call (rule leader-locator-classic) and the channel lives; from 4.0 it
// places classic queues too (RabbitMQ PR 11565), and 4.3.6 declares it and reads it as the queue's
// leader locator: nothing to refuse. Quorum queues take it on both.
import { expect, it } from 'vitest';
import { isBrokerRuleError } from 'warren';
import { evalErlang, uniqueName } from '../../helpers/broker.js';
import { cleanupQueue, connection, is43, queue } from './fixture.js';

/** The leader locator the broker reads for `name` (what rabbit_queue_location places a 4.x queue by). */
function brokerLeaderLocator(name: string): Promise<string> {
  const b64 = Buffer.from(name).toString('base64');
  return evalErlang(
    `{ok, Q} = rabbit_amqqueue:lookup(rabbit_misc:r(<<"/">>, queue, base64:decode("${b64}"))), ` +
      `binary_to_list(rabbit_queue_type_util:args_policy_lookup(<<"queue-leader-locator">>, fun (P, _) -> P end, Q)).`,
  );
}

it('a classic queue with leaderLocator: refused by warren before 4.0 (the channel lives), declared and used by 4.3', async () => {
  const c = await connection();
  const ch = await c.channel();
  for (const options of [{ leaderLocator: 'balanced' as const }, { leaderLocator: 'balanced' as const, queueType: 'classic' as const }]) {
    const name = cleanupQueue(uniqueName('rmq4-ll-classic'));
    const declared = await ch.queueDeclare(name, { durable: true, ...options }).catch((e: unknown) => e);
    if (is43(c)) {
      expect(declared).toMatchObject({ queue: name });
      expect(await brokerLeaderLocator(name)).toBe('"balanced"');
    } else {
      expect(isBrokerRuleError(declared) && declared.rule).toBe('leader-locator-classic');
      expect((declared as Error).message).toMatch(/406 PRECONDITION_FAILED/);
    }
    expect(ch.isOpen && c.isOpen).toBe(true);
  }
  // Raw calls go through the same rule.
  const raw = ch.call('queue.declare', { queue: cleanupQueue(uniqueName('rmq4-ll-raw')), durable: true, arguments: { 'x-queue-leader-locator': 'client-local' } });
  if (is43(c)) await expect(raw).resolves.toBeDefined();
  else await expect(raw).rejects.toMatchObject({ name: 'BrokerRuleError', rule: 'leader-locator-classic' });
  expect(ch.isOpen).toBe(true);
});

it('a quorum queue with leaderLocator is declared on both versions', async () => {
  const c = await connection();
  const ch = await c.channel();
  const name = await queue(ch, { queueType: 'quorum', leaderLocator: 'client-local' }, 'rmq4-ll-qq');
  expect(await brokerLeaderLocator(name)).toBe('"client-local"');
  expect(ch.isOpen).toBe(true);
});
