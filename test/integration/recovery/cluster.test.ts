/**
 * Recovery on a real 3-node cluster (test/helpers/broker-cluster.ts, this project's RabbitMQ
 * version): a broker restart (stop_app / start_app of the only node the client knows); the node
 * the client is connected to stopped, with a quorum queue (the client recovers to another node,
 * its consumer resumes, no confirmed message is lost); and the quorum leader's node stopped while
 * the client is connected elsewhere (confirms keep coming, no recovery needed).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection, type Message, type RecoveredEvent } from 'warren';
import { CLUSTER_HOOK_TIMEOUT_MS, startTestCluster, type TestCluster } from '../../helpers/broker-cluster.js';
import { uniqueName } from '../../helpers/broker.js';
import { nextEvent } from '../../helpers/broker-extra.js';
import { medianMax, startWorkload } from './workload.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster({ nodes: 3 });
}, CLUSTER_HOOK_TIMEOUT_MS);
afterAll(() => cluster?.stop(), CLUSTER_HOOK_TIMEOUT_MS);

const open: Connection[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});
const port = (url: string) => Number(new URL(url).port);
const fast = { backoff: { initialDelay: 50, maxDelay: 1_000 } };

describe('recovery on a cluster', () => {
  it('a broker restart (stop_app, start_app): the client waits for the node and recovers, nothing confirmed lost', async () => {
    const node = cluster.nodes[2]!;
    const conn = await connect(node.url, { recovery: fast });
    open.push(conn);
    const queue = uniqueName('rec-restart');
    await (await conn.channel()).queueDeclare(queue, { durable: true });
    // Transient topology, gone after the restart unless replayed: exchanges, an
    // exchange-to-exchange binding, a server-named queue bound to it, a consumer.
    const tch = await conn.channel();
    const source = uniqueName('rec-restart-src');
    const dest = uniqueName('rec-restart-dst');
    await tch.exchangeDeclare(source, 'direct', { durable: false });
    await tch.exchangeDeclare(dest, 'fanout', { durable: false });
    await tch.exchangeBind(dest, source, 'k');
    const temp = (await tch.queueDeclare()).queue;
    await tch.queueBind(temp, dest);
    const tconsumer = await tch.consume(temp, { noAck: true });
    const titer = tconsumer[Symbol.asyncIterator]();
    const work = await startWorkload(conn, queue);
    await work.confirmedMore(500);
    const recovered = nextEvent<[RecoveredEvent]>(conn, 'recovered', 90_000);
    await node.rabbitmqctl('stop_app');
    await new Promise((r) => setTimeout(r, 1_000)); // attempts are refused meanwhile
    expect(conn.state).toBe('recovering');
    await node.rabbitmqctl('start_app');
    const [info] = await recovered;
    expect(info.endpoint.port).toBe(port(node.url));
    await tch.publish(source, 'k', 'through both exchanges');
    expect(((await titer.next()).value as Message).text()).toBe('through both exchanges');
    expect(tconsumer.queue).not.toBe(temp);
    await work.confirmedMore(500);
    const report = await work.finish();
    console.info(`[recovery] stop_app/start_app: outage ${info.outage} ms, ${info.attempts} attempts, published ${report.published}, duplicates ${report.duplicates}`);
    expect(report.unsettled).toBe(0);
    expect(report.settledTwice).toBe(0);
    expect(report.missing).toBe(0);
    expect(report.rejected.size).toBe(0);
    expect(report.iteratorEnded).toBe(false);
    await (await conn.channel()).queueDelete(queue);
    await tch.exchangeDelete(source);
    await tch.exchangeDelete(dest);
  }, 120_000);

  it('the connected node is stopped: recovery to another node, the quorum queue consumer resumes, nothing confirmed lost', async () => {
    const conn = await connect(cluster.urls, { recovery: { ...fast, shuffle: false } });
    open.push(conn);
    expect(conn.node.endpoint.port).toBe(port(cluster.urls[0]!));
    const queue = uniqueName('rec-failover');
    await (await conn.channel()).queueDeclare(queue, { durable: true, queueType: 'quorum' });
    const work = await startWorkload(conn, queue);
    await work.confirmedMore(500);
    const recovered = nextEvent<[RecoveredEvent]>(conn, 'recovered', 90_000);
    const first = cluster.nodes[0]!;
    const stoppedAt = Date.now();
    await first.rabbitmqctl('stop_app');
    try {
      const [info] = await recovered;
      expect(info.endpoint.port).not.toBe(port(first.url));
      expect(cluster.urls.map(port)).toContain(info.endpoint.port);
      await work.confirmedMore(500);
      const report = await work.finish();
      const { median } = medianMax(report.lossToConfirm);
      console.info(`[recovery] node stop: recovered on port ${info.endpoint.port} after ${info.outage} ms (${Date.now() - stoppedAt} ms incl. stop_app), loss→first confirm ${median} ms, duplicates ${report.duplicates}`);
      expect(report.unsettled).toBe(0);
      expect(report.missing).toBe(0);
      expect(report.rejected.size).toBe(0);
      expect(report.iteratorEnded).toBe(false);
    } finally {
      await first.rabbitmqctl('start_app');
    }
    await (await conn.channel()).queueDelete(queue);
  }, 150_000);

  it("the quorum leader's node is stopped while the client is connected elsewhere: confirms keep coming", async () => {
    const setup = await connect(cluster.urls[0]!);
    open.push(setup);
    const queue = uniqueName('rec-leader');
    const sch = await setup.channel();
    await sch.queueDeclare(queue, { durable: true, queueType: 'quorum' });
    const leader = await cluster.quorumLeader(queue);
    const leaderNode = cluster.nodes.find((n) => n.nodeName === leader)!;
    const elsewhere = cluster.nodes.find((n) => n.nodeName !== leader)!;
    const conn = await connect(elsewhere.url, { recovery: fast });
    open.push(conn);
    let disconnected = 0;
    conn.on('disconnected', () => disconnected++);
    const work = await startWorkload(conn, queue);
    await work.confirmedMore(500);
    await leaderNode.rabbitmqctl('stop_app');
    try {
      await work.confirmedMore(300); // a new leader is elected; publishing goes on
      const report = await work.finish();
      expect(disconnected).toBe(0);
      expect(report.unsettled).toBe(0);
      expect(report.missing).toBe(0);
      expect(report.iteratorEnded).toBe(false);
      expect(await cluster.quorumLeader(queue, { via: cluster.nodes.indexOf(elsewhere) })).not.toBe(leader);
    } finally {
      await leaderNode.rabbitmqctl('start_app');
    }
    await (await conn.channel()).queueDelete(queue);
  }, 120_000);
});
