// Types for scripts/lib/cluster-lease.mjs.
import type { Cluster } from './cluster.d.mts';

export interface ClusterLeases {
  /** The Unix socket the test files ask on. */
  path: string;
  /** Clusters formed and leases granted so far. */
  stats(): { formations: number; leases: number };
  /** Stops the server and the cluster. */
  stop(): Promise<void>;
}

export function serveClusterLeases(options: { rabbitmq: string; log?: (line: string) => void }): Promise<ClusterLeases>;
/** A cluster of `nodes` nodes (default 3), this caller's until `stop()`, which gives it back (the nodes keep running). */
export function leaseCluster(options: { path: string; nodes?: number }): Promise<Cluster>;
