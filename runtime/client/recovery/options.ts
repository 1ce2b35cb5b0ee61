/**
 * The `recovery` option of connect(): its shape, its defaults, and the credentials hook.
 * Recovery is on unless `recovery: false` is given.
 */
import { ConfigurationError } from '../errors.js';
import { resolveBackoff, type Backoff, type BackoffOptions } from './backoff.js';
import type { EndpointResolver } from './endpoints.js';
import type { TopologyFilter } from './recorder.js';

/** Settings of automatic recovery (connect's `recovery` option); every field optional. */
export interface RecoveryOptions {
  /** Retry the very first connect() with the same backoff and limits (default false: the first failure rejects). */
  retryInitialConnect?: boolean;
  /** Delays between passes over the endpoints. */
  backoff?: BackoffOptions;
  /** Give up after this many connection attempts in one recovery (default Infinity). */
  maxAttempts?: number;
  /** Give up when this many milliseconds have passed since the loss (default Infinity). */
  deadline?: number;
  /** Shuffle the endpoints at each pass (default true; RabbitMQ's advice against reconnect storms). */
  shuffle?: boolean;
  /** Called at each pass to turn the configured endpoints into addresses (e.g. `dnsResolver()`). */
  resolve?: EndpointResolver;
  /** Declare the recorded exchanges, queues, bindings and consumers again (default true). */
  topology?: boolean;
  /** Chooses which recorded entities are recovered. */
  topologyFilter?: TopologyFilter;
  /** Milliseconds to wait for each declaration of the replay (default 10,000). */
  declarationTimeout?: number;
  /** Extra tries of a declaration that timed out, e.g. a cluster in minority (default 3). */
  declarationRetries?: number;
  /** Random source in [0, 1) for jitter and shuffling (default Math.random; for tests). */
  random?: () => number;
}

/** RecoveryOptions after defaults. */
export interface ResolvedRecovery {
  retryInitialConnect: boolean;
  backoff: Backoff;
  maxAttempts: number;
  deadline: number;
  shuffle: boolean;
  resolve: EndpointResolver | undefined;
  topology: boolean;
  topologyFilter: TopologyFilter;
  declarationTimeout: number;
  declarationRetries: number;
  random: () => number;
}

/** Applies defaults; undefined when recovery is off. */
export function resolveRecovery(o: boolean | RecoveryOptions | undefined): ResolvedRecovery | undefined {
  if (o === false) return undefined;
  const r = o === true || o === undefined ? {} : o;
  const positive = (v: number | undefined, name: string, dflt: number): number => {
    if (v === undefined) return dflt;
    if (!(v >= 0)) throw new ConfigurationError(`recovery.${name} must be a non-negative number, got ${v}`);
    return v;
  };
  return {
    retryInitialConnect: r.retryInitialConnect ?? false,
    backoff: resolveBackoff(r.backoff),
    maxAttempts: positive(r.maxAttempts, 'maxAttempts', Infinity),
    deadline: positive(r.deadline, 'deadline', Infinity),
    shuffle: r.shuffle ?? true,
    resolve: r.resolve,
    topology: r.topology ?? true,
    topologyFilter: r.topologyFilter ?? {},
    declarationTimeout: positive(r.declarationTimeout, 'declarationTimeout', 10_000),
    declarationRetries: positive(r.declarationRetries, 'declarationRetries', 3),
    random: r.random ?? Math.random,
  };
}

/** What a credentials function returns. */
export interface Credentials {
  /** Default: the `username` option. */
  username?: string;
  /** The password or token. */
  password: string;
  /**
   * When the secret stops being valid (a Date or epoch milliseconds). Known, warren asks the
   * function again before then and hands the new secret to the broker with
   * connection.update-secret (RabbitMQ), without reconnecting.
   */
  expiresAt?: Date | number;
}

/** Called on every connect and reconnect (and before a known expiry): rotated passwords and OAuth 2 tokens stay fresh. */
export type CredentialsProvider = () => Credentials | Promise<Credentials>;
