// Types for scripts/lib/rabbitmq.mjs.
import type { RabbitmqVersion } from './broker.d.mts';

/** How one RabbitMQ version is run on this machine. */
export interface RabbitmqRuntime {
  version: RabbitmqVersion;
  /** The root its programs run in, or null for the host's installation. */
  root: string | null;
  /** Directory of rabbitmq-server and rabbitmqctl, as the programs see it. */
  bin: string;
  /** erl_call, as the programs see it. */
  erlCall: string;
  /** Extra environment for the node and its tools (ERL_EPMD_PORT for 4.x). */
  env: Record<string, string>;
  /** The Debian package version, e.g. `4.3.6-1`. */
  packageVersion: string;
  /** Milliseconds spent building the root in this call (0 when cached or not needed). */
  buildMs: number;
}

export const RABBITMQ_VERSIONS: RabbitmqVersion[];
export const DEFAULT_RABBITMQ_VERSION: RabbitmqVersion;
export const EPMD_PORT_4: number;
export function parseRabbitmqVersion(value: string | undefined): RabbitmqVersion;
export function launch(root: string | null, file: string, args: string[]): { file: string; args: string[] };
export function insidePath(root: string | null, hostPath: string): string;
export function prepareRabbitmq(options: { version?: string; log: (line: string) => void }): Promise<RabbitmqRuntime>;
