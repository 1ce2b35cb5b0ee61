/**
 * warren/amqplib's ChannelModel `blocked` and `unblocked` events (connection.blocked/unblocked,
 * a RabbitMQ extension) while the broker has a memory alarm. The alarm blocks every publisher of
 * the node: `npm test` gives each broker project its own node; by hand, run this file on a node
 * of its own (`node scripts/broker.mjs run --rabbitmq 4.3 -- npx vitest run <this file>`), never
 * on a shared one.
 */
import { expect, it } from 'vitest';
import { clearMemoryAlarm, setMemoryAlarm } from '../../helpers/broker.js';
import { model, next, queue } from './fixture.js';

it('blocked (with the broker’s reason) while the memory alarm is on, unblocked after it', async () => {
  const m = await model();
  const ch = await m.createChannel();
  const q = await queue(ch);
  const blocked = next<[string]>(m, 'blocked');
  let gotBlocked = false;
  void blocked.then(() => (gotBlocked = true));
  await setMemoryAlarm();
  try {
    // RabbitMQ blocks a connection once it publishes during the alarm: publish until it does.
    for (let i = 0; i < 50 && !gotBlocked; i++) {
      ch.sendToQueue(q, Buffer.from('x'));
      await new Promise((r) => setTimeout(r, 100));
    }
    const [reason] = await blocked;
    expect(reason).toMatch(/memory|low on/i);
  } finally {
    const unblocked = next<[]>(m, 'unblocked');
    await clearMemoryAlarm();
    expect(await unblocked).toEqual([]);
  }
});
