// Types for scripts/lib/broker.mjs (plain JavaScript so it runs with no build step).

/** Certificate files for the node's TLS listener (PEM paths). */
export interface BrokerTlsOptions {
  cacertfile: string;
  certfile: string;
  keyfile: string;
}

/** The RabbitMQ versions scripts/broker.mjs can start: the host's package, or Debian forky's in a root. */
export type RabbitmqVersion = '3.10' | '4.3';

export interface StartBrokerOptions {
  /** Which RabbitMQ to run. Default `'3.10'` (the host's Debian package). */
  rabbitmq?: RabbitmqVersion | string;
  /** Adds an SSL listener on a free port, with EXTERNAL auth (rabbitmq_auth_mechanism_ssl). */
  tls?: BrokerTlsOptions;
  /** Extra plugins to enable, e.g. `rabbitmq_management`. */
  plugins?: string[];
  /** Extra rabbitmq.conf lines (new-style sysctl format). */
  config?: string[];
  /** Node name prefix; the name is `<prefix>-<pid>-<random>@localhost`. Default `warren`. */
  namePrefix?: string;
  /** Erlang cookie; a random one by default. Nodes to be clustered need the same cookie. */
  cookie?: string;
  /** Overall boot deadline in milliseconds. Default 90 000. */
  startTimeoutMs?: number;
  /** Stop the node on SIGINT/SIGTERM/SIGHUP (and re-raise if nobody else listens). Default true. */
  handleSignals?: boolean;
  /** Progress lines; default: stderr with a `[broker]` prefix. */
  log?: (line: string) => void;
}

export interface Broker {
  /** `amqp://guest:guest@127.0.0.1:<port>/` */
  url: string;
  /** `amqps://guest:guest@127.0.0.1:<tlsPort>/` when started with `tls`. */
  tlsUrl: string | undefined;
  /** e.g. `warren-1234-a1b2c3@localhost` */
  nodeName: string;
  port: number;
  tlsPort: number | undefined;
  /** Erlang distribution port. */
  distPort: number;
  /** The node's private directory (removed by stop()). */
  dir: string;
  /** The variables (HOME, RABBITMQ_*) that rabbitmq CLI tools need to reach this node (paths as the node sees them). */
  env: Record<string, string>;
  /** The root the node runs in (4.3), or null for the host's installation (3.10). */
  root: string | null;
  /** The version that was asked for, e.g. `'4.3'`. */
  rabbitmq: RabbitmqVersion;
  /** What the broker says it is in connection.start, e.g. `{ product: 'RabbitMQ', version: '4.3.6', platform: 'Erlang/OTP 29.0' }`. */
  server: { product: string; version: string; platform: string };
  /** How long the start took, in milliseconds. */
  startMs: number;
  /** Runs `rabbitmqctl -n <node> ...args` and resolves to its stdout. */
  rabbitmqctl(...args: Array<string | number>): Promise<string>;
  /** Evaluates Erlang expressions on the node with erl_call (~10 ms); resolves to the result term as text. */
  evalErlang(expression: string): Promise<string>;
  /** Stops the node (rabbitmqctl stop, then kill) and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

export const RABBITMQ_BIN: string;
export function startBroker(options?: StartBrokerOptions): Promise<Broker>;
export function createRabbitmqctl(target: {
  nodeName: string;
  env: Record<string, string>;
  root?: string | null;
  timeoutMs?: number;
}): (...args: Array<string | number>) => Promise<string>;
export function createErlEval(target: {
  nodeName: string;
  env: Record<string, string>;
  root?: string | null;
  timeoutMs?: number;
}): (expression: string) => Promise<string>;
export function freePorts(count: number): Promise<number[]>;
export function rabbitmqInstalled(): boolean;
