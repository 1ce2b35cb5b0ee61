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
 *   cluster.stop()                    // gives the shared cluster back (idempotent)
 *
 * The cluster has the RabbitMQ version of the test project (vitest.config.ts: one project per
 * version, `inject('rabbitmqVersion')`), so a file runs against a 3.10 cluster in one project and a
 * 4.3 cluster in the other. Forming one takes 10 s to 2 min on a 2-core machine, so the files of a
 * project share one (scripts/lib/cluster-lease.mjs, served by the global setup): startTestCluster()
 * waits until the cluster is this file's alone (tests stop and start nodes, which must not reach
 * another file), and stop() gives it back, every node running again. So: leave nodes as you found
 * them (`stop_app` / `start_app`, never `rabbitmqctl stop`, which the cluster cannot heal from), and
 * delete what you declare. Without the lease server (a run through another setup) each file
 * forms a cluster of its own, as before.
 */
import { inject } from 'vitest';
import { leaseCluster } from '../../scripts/lib/cluster-lease.mjs';
import { startCluster } from '../../scripts/lib/cluster.mjs';
import type { Cluster } from '../../scripts/lib/cluster.d.mts';

/**
 * A hook timeout that covers waiting for the files before this one to give the shared cluster
 * back (the recovery tests hold it for minutes) and forming it on a loaded 2-core machine.
 */
export const CLUSTER_HOOK_TIMEOUT_MS = 900_000;

/** The cluster lent to one test file. */
export interface TestCluster extends Cluster {
  /** The amqp:// URL of each node, node 1 first. */
  urls: string[];
}

/** Starts a cluster of the test project's RabbitMQ version (3 nodes unless told). */
export async function startTestCluster({ nodes = 3 }: { nodes?: number } = {}): Promise<TestCluster> {
  const path = inject('clusterLease');
  const cluster = path ? await leaseCluster({ path, nodes }) : await startCluster({ nodes, rabbitmq: inject('rabbitmqVersion') });
  return Object.assign(cluster, { urls: cluster.nodes.map((node) => node.url) });
}
