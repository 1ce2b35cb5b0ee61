// A stream consumer across a connection recovery: the broker closes the connection, recovery
// consumes again, and the consumer resumes after the last offset it processed, not from where it
// first started; what was delivered but not processed comes again, what was processed does not.
import { expect, it } from 'vitest';
import { connect, type Message, type RecoveredEvent } from 'warren';
import { amqpUrl, closeConnection, uniqueName } from '../../helpers/broker.js';
import { nextEvent } from '../../helpers/broker-extra.js';
import { startProxy } from '../../helpers/tcp-proxy.js';
import { connection, queue, sleep } from './fixture.js';

it('resumes after the processed offset when the connection recovers', async () => {
  const name = uniqueName('rmq4-srec');
  const c = await connection({ connectionName: name });
  const ch = await c.channel();
  const q = await queue(ch, { queueType: 'stream' }, 'rmq4-srec');
  await ch.confirmSelect();
  await Promise.all(Array.from({ length: 6 }, (_, i) => ch.sendToQueue(q, `m${i}`)));
  const consumerCh = await c.channel();
  const s = await consumerCh.consumeStream(q, { offset: 'first', prefetch: 10 });
  const it = s[Symbol.asyncIterator]();
  const first: Message[] = [];
  for (let i = 0; i < 4; i++) first.push((await it.next()).value as Message);
  first[0]!.ack();
  first[1]!.ack(); // m0 and m1 processed; m2 and m3 delivered, not processed
  expect(s.processedOffset).toBe(1);
  const recovered = nextEvent<[RecoveredEvent]>(c, 'recovered', 30_000);
  await closeConnection(name, 'stream recovery test');
  await recovered;
  expect(first[2]!.ack()).toBe(false); // stale: its delivery died with the old connection
  const after: string[] = [];
  for (let i = 0; i < 4; i++) {
    const m = (await it.next()).value as Message;
    after.push(m.text());
    expect(m.ack()).toBe(true);
  }
  expect(after).toEqual(['m2', 'm3', 'm4', 'm5']);
  expect(s.processedOffset).toBe(5);
  await s.cancel();
});

it("offset 'next' with nothing delivered yet: what was written during the outage is not skipped on resume", async () => {
  const u = new URL(amqpUrl());
  const proxy = await startProxy(u.hostname, Number(u.port));
  try {
    const c = await connection();
    const ch = await c.channel();
    const q = await queue(ch, { queueType: 'stream' }, 'rmq4-snext');
    await ch.confirmSelect();
    await ch.sendToQueue(q, 'old'); // before the consume: 'next' must not deliver it
    await sleep(1100); // the resume goes by the consume's second: keep 'old' out of it
    const viaProxy = await connect(proxy.url(amqpUrl()), { recovery: { backoff: { initialDelay: 10 } } });
    viaProxy.on('error', () => undefined);
    const s = await (await viaProxy.channel()).consumeStream(q, { offset: 'next' });
    const it = s[Symbol.asyncIterator]();
    // The broker's clock is read to the second: keep the outage's messages out of the consume's second.
    await sleep(1100);
    const recovered = nextEvent<[RecoveredEvent]>(viaProxy, 'recovered', 30_000);
    proxy.stall();
    proxy.cut({ reset: true });
    await ch.sendToQueue(q, 'during0');
    await ch.sendToQueue(q, 'during1');
    proxy.resume();
    await recovered;
    await ch.sendToQueue(q, 'after');
    const got: string[] = [];
    while (got.at(-1) !== 'after') {
      const m = (await it.next()).value as Message;
      got.push(m.text());
      m.ack();
    }
    expect(got).toEqual(['during0', 'during1', 'after']);
    await s.cancel();
    await viaProxy.close();
  } finally {
    await proxy.close();
  }
});
