/**
 * A real RabbitMQ cluster for the test files that need one (failover, quorum leaders, node stops).
 *
 * API (see scripts/lib/cluster.d.mts for the full types):
 *
 *   import { startTestCluster, CLUSTER_HOOK_TIMEOUT_MS, type TestCluster } from '../helpers/broker-cluster.js';
 *   let cluster: TestCluster;
 *   beforeAll(async () => { cluster = await startTestCluster({ nodes: 3 }); }, CLUSTER_HOOK_TIMEOUT_MS);
 *   afterAll(() => cluster?.stop(), CLUSTER_HOOK_TIMEOUT_MS);
 *
 *   cluster.urls                      // amqp:// URL of each node, node 1 first
 *   cluster.nodes[i].url / .nodeName / .port
 *   cluster.nodes[i].rabbitmqctl('stop_app' | 'start_app' | 'stop' | 'close_connection', ...)
 *   cluster.nodes[i].evalErlang('...')  // erl_call on that node, ~10 ms
 *   cluster.runningNodes(via?)        // node names cluster_status lists as running
 *   cluster.quorumLeader(queue, { vhost, via })  // node name leading a quorum queue
 *   cluster.stop()                    // stops every node, removes their files (idempotent)
 *
 * The cluster has the RabbitMQ version of the test project (vitest.config.ts: one project per
 * version, `inject('rabbitmqVersion')`), so a file runs against a 3.10 cluster in one project and a
 * 4.3 cluster in the other. Each file that calls startTestCluster() gets a cluster of its own: tests
 * stop and restart nodes, which must not reach other files running in parallel. Starting one takes
 * ~10-35 s on this 2-core machine (3 nodes boot in parallel, then join one by one), so a file
 * starts one in beforeAll and shares it between its tests. A test that stops a node with
 * `rabbitmqctl stop` cannot bring it back (start_app needs the VM): use `stop_app` / `start_app`
 * when later tests of the file need the node again.
 */
import { inject } from 'vitest';
import { startCluster } from '../../scripts/lib/cluster.mjs';
import type { Cluster } from '../../scripts/lib/cluster.d.mts';

/** A hook timeout that covers starting (or stopping) a cluster on a loaded 2-core machine. */
export const CLUSTER_HOOK_TIMEOUT_MS = 180_000;

/** A cluster started for one test file. */
export interface TestCluster extends Cluster {
  /** The amqp:// URL of each node, node 1 first. */
  urls: string[];
}

/** Starts a cluster of the test project's RabbitMQ version (3 nodes unless told). */
export async function startTestCluster({ nodes = 3 }: { nodes?: number } = {}): Promise<TestCluster> {
  const cluster = await startCluster({ nodes, rabbitmq: inject('rabbitmqVersion') });
  return Object.assign(cluster, { urls: cluster.nodes.map((node) => node.url) });
}
