/**
 * 20 forced connection kills (rabbitmqctl close_connection, i.e. 320 from the broker) while
 * publishing with confirms (window 1000, persistent, durable queue) and consuming with manual
 * acks, with republishing of unconfirmed messages on: every publish settles exactly once, no
 * confirmed message is missing, duplicates are counted (at-least-once), the iterator never ends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Connection } from 'warren';
import { amqpUrl, closeConnection, uniqueName } from '../../helpers/broker.js';
import { nextEvent } from '../../helpers/broker-extra.js';
import { medianMax, startWorkload } from './workload.js';

const open: Connection[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

describe('recovery under forced kills', () => {
  it('20 kills during confirmed publishing and acked consuming: nothing confirmed is lost, each publish settles once', async () => {
    const name = uniqueName('rec-kills');
    const conn = await connect(amqpUrl(), { connectionName: name, recovery: { backoff: { initialDelay: 20, maxDelay: 500 } } });
    open.push(conn);
    const setup = await conn.channel();
    const queue = uniqueName('rec-kills-q');
    await setup.queueDeclare(queue, { durable: true });
    const work = await startWorkload(conn, queue);
    await work.confirmedMore(500);
    let recoveries = 0;
    const topologyErrors: Error[] = [];
    conn.on('topologyError', (e) => topologyErrors.push(e));
    for (let kill = 0; kill < 20; kill++) {
      const recovered = nextEvent(conn, 'recovered', 20_000);
      expect(await closeConnection(name, `kill ${kill}`)).toBe(1);
      await recovered;
      recoveries++;
      await work.confirmedMore(200); // confirms flow on the new connection before the next kill
    }
    const report = await work.finish();
    const { median, max } = medianMax(report.lossToConfirm);
    console.info(`[recovery] 20 kills: published ${report.published}, confirmed ${report.confirmed}, duplicates ${report.duplicates}, ` +
      `rejected ${JSON.stringify(Object.fromEntries(report.rejected))}, loss→first confirm median ${median} ms, max ${max} ms`);
    expect(recoveries).toBe(20);
    expect(topologyErrors).toEqual([]);
    expect(report.unsettled).toBe(0);
    expect(report.settledTwice).toBe(0);
    expect(report.missing).toBe(0);
    expect(report.iteratorEnded).toBe(false);
    expect(report.rejected.size).toBe(0); // republishing on: every publish is confirmed in the end
    expect(report.confirmed).toBe(report.published);
    expect(report.lossToConfirm.length).toBe(20);
    const left = await setup.checkQueue(queue);
    expect(left.messageCount).toBe(0);
    await setup.queueDelete(queue);
  }, 120_000);
});
