/**
 * Proves the cluster that test/helpers/broker-cluster.ts starts (scripts/lib/cluster.mjs), with
 * amqplib and the CLI rather than warren: every node runs and is a member, each node's tools reach
 * that node, and a quorum queue declared through node 1 is visible, with its message, through node 2.
 */
import amqplib from 'amqplib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLUSTER_HOOK_TIMEOUT_MS, startTestCluster, type TestCluster } from '../helpers/broker-cluster.js';
import { uniqueName } from '../helpers/broker.js';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startTestCluster({ nodes: 3 });
}, CLUSTER_HOOK_TIMEOUT_MS);

afterAll(() => cluster?.stop(), CLUSTER_HOOK_TIMEOUT_MS);

describe('test cluster', () => {
  it('runs three nodes of the project\'s RabbitMQ version, all members of one cluster', async () => {
    expect(cluster.nodes).toHaveLength(3);
    expect(cluster.server.version.split('.').slice(0, 2).join('.')).toBe(inject('rabbitmqVersion'));
    const names = cluster.nodes.map((node) => node.nodeName).sort();
    expect(new Set(names).size).toBe(3);
    expect(new Set(cluster.urls).size).toBe(3);
    // cluster_status through the CLI, asked of node 2: it sees all three running.
    expect((await cluster.runningNodes(1)).sort()).toEqual(names);
    // Each node's erl_call reaches that node, and the node knows the other two.
    for (const node of cluster.nodes) {
      expect(await node.evalErlang('node()')).toBe(`'${node.nodeName}'`);
      const others = (await node.evalErlang('lists:sort(nodes())')).replace(/[[\]'\s]/g, '').split(',').sort();
      expect(others).toEqual(names.filter((name) => name !== node.nodeName));
    }
  }, 120_000); // a CLI call and six erl_calls: a CLI call alone took over 30 s on a loaded 2-core machine

  it('takes a node out with its own rabbitmqctl stop_app and back with start_app', async () => {
    const third = cluster.nodes[2]!;
    await third.rabbitmqctl('stop_app');
    try {
      expect(await cluster.runningNodes(0)).not.toContain(third.nodeName);
    } finally {
      await third.rabbitmqctl('start_app');
    }
    expect(await cluster.runningNodes(0)).toContain(third.nodeName);
  }, 120_000); // four CLI calls: each boots a VM, seconds apiece on a loaded 2-core machine

  it('serves a quorum queue declared through node 1, with its message, through node 2', async () => {
    const queue = uniqueName('infra-quorum');
    const first = await amqplib.connect(cluster.urls[0]!);
    const second = await amqplib.connect(cluster.urls[1]!);
    try {
      const publishing = await first.createConfirmChannel();
      await publishing.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      publishing.sendToQueue(queue, Buffer.from('hello from node 1'), { persistent: true });
      await publishing.waitForConfirms();

      const reading = await second.createChannel();
      // The existing queue, seen through node 2. Its message count read there can lag behind the
      // confirm on a loaded machine (0 was seen in CI): wait for it to show, never race it.
      let count = (await reading.checkQueue(queue)).messageCount;
      while (count !== 1) {
        expect(count).toBe(0); // never more than the one message published
        await new Promise((resolve) => setTimeout(resolve, 100));
        count = (await reading.checkQueue(queue)).messageCount;
      }
      const message = await reading.get(queue, { noAck: true });
      expect(message && message.content.toString()).toBe('hello from node 1');
      expect(cluster.nodes.map((node) => node.nodeName)).toContain(await cluster.quorumLeader(queue, { via: 1 }));
      await reading.deleteQueue(queue);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});
