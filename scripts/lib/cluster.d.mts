// Types for scripts/lib/cluster.mjs.
import type { Broker, BrokerTlsOptions, RabbitmqVersion } from './broker.d.mts';

export interface StartClusterOptions {
  /** How many nodes. Default 3. */
  nodes?: number;
  /** Which RabbitMQ to run. Default `'3.10'`. */
  rabbitmq?: RabbitmqVersion | string;
  /** Extra plugins on every node. */
  plugins?: string[];
  /** Extra rabbitmq.conf lines on every node. */
  config?: string[];
  /** A TLS listener on every node. */
  tls?: BrokerTlsOptions;
  /** Per-node boot deadline in milliseconds. Default 90 000. */
  startTimeoutMs?: number;
  /** Stop the nodes on SIGINT/SIGTERM/SIGHUP. Default true. */
  handleSignals?: boolean;
  /** Cluster progress lines; default stderr with a `[cluster]` prefix. */
  log?: (line: string) => void;
  /** Per-node progress lines; default: `log`, prefixed with the node's number. */
  brokerLog?: (line: string) => void;
}

export interface Cluster {
  /** The version that was asked for. */
  rabbitmq: RabbitmqVersion;
  /** What node 1 reports in connection.start. */
  server: { product: string; version: string; platform: string };
  /** The nodes, node 1 first: each with url, nodeName, rabbitmqctl, evalErlang, stop. */
  nodes: Broker[];
  /** Milliseconds from the first boot to a formed cluster. */
  formMs: number;
  /** Node names `cluster_status` lists as running, asked through node `via` (index, default 0). */
  runningNodes(via?: number): Promise<string[]>;
  /** The node name leading a quorum queue, asked through node `via` (index, default 0). */
  quorumLeader(queue: string, options?: { vhost?: string; via?: number }): Promise<string>;
  /** Stops every node and removes their directories. Idempotent. */
  stop(): Promise<void>;
}

export function startCluster(options?: StartClusterOptions): Promise<Cluster>;

/** The node names `cluster_status` reports as running, asked through `broker`. */
export function runningNodesOf(broker: Pick<Broker, 'rabbitmqctl'>): Promise<string[]>;
/** The node name leading quorum queue `queue`, asked through `broker`. */
export function quorumLeaderOf(broker: Pick<Broker, 'rabbitmqctl'>, queue: string, vhost: string): Promise<string>;
