// A stream whose only replica is on another node of the cluster: consuming through a node without
// one is answered with 406 "does not have a (running) replica on the local node" (3.10, 4.3),
// which warren names as StreamReplicaUnavailableError; through the node that has it, it works.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, StreamReplicaUnavailableError, type Connection } from 'warren';
import { CLUSTER_HOOK_TIMEOUT_MS, startTestCluster, type TestCluster } from '../../helpers/broker-cluster.js';
import { uniqueName } from '../../helpers/broker.js';

let cluster: TestCluster;
const open: Connection[] = [];

beforeAll(async () => {
  cluster = await startTestCluster({ nodes: 2 });
}, CLUSTER_HOOK_TIMEOUT_MS);

afterAll(async () => {
  await Promise.all(open.map((c) => c.close().catch(() => undefined)));
  await cluster?.stop();
}, CLUSTER_HOOK_TIMEOUT_MS);

async function on(node: number): Promise<Connection> {
  const c = await connect(cluster.urls[node]!, { recovery: false });
  c.on('error', () => undefined);
  open.push(c);
  return c;
}

it('consuming through a node without a replica is a StreamReplicaUnavailableError naming the stream', async () => {
  const c1 = await on(0);
  const ch1 = await c1.channel();
  const q = uniqueName('rmq4-replica');
  await ch1.queueDeclare(q, { queueType: 'stream', initialClusterSize: 1, leaderLocator: 'client-local' });
  await ch1.confirmSelect();
  await ch1.sendToQueue(q, 'here');

  const c2 = await on(1);
  const ch2 = await c2.channel();
  const e = await ch2.consumeStream(q, { offset: 'first' }).then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(StreamReplicaUnavailableError);
  const err = e as StreamReplicaUnavailableError;
  expect(err.queue).toBe(q);
  expect(err.replyCode).toBe(406);
  expect(err.message).toContain('no running replica on the connected node');
  expect((err.cause as { name: string }).name).toBe('PreconditionFailedError');
  expect(c2.isOpen).toBe(true); // a channel error: the connection goes on

  // Through the node that holds it, the same consume works.
  const s = await (await c1.channel()).consumeStream(q, { offset: 'first' });
  for await (const m of s) {
    expect(m.text()).toBe('here');
    m.ack();
    break;
  }
  await ch1.queueDelete(q);
}, 60_000);
