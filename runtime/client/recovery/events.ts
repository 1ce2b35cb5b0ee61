/** The payloads of the connection's recovery events (see ConnectionEvents). */
import type { Endpoint } from './endpoints.js';

/** `disconnected`: the connection was lost and recovery starts. */
export interface DisconnectedEvent {
  /** Why: ConnectionLostError (socket), HeartbeatTimeoutError, or the broker's ConnectionForcedError (320). */
  readonly error: Error;
  /** The broker that was lost. */
  readonly endpoint: Endpoint;
}

/** `reconnecting`: a connection attempt is about to be made. */
export interface ReconnectingEvent {
  /** 1 for the first attempt of this recovery. */
  readonly attempt: number;
  /** Milliseconds waited before this attempt (backoff; 0 when moving on to the next endpoint). */
  readonly delay: number;
  readonly endpoint: Endpoint;
  /** Why the previous attempt failed, if there was one. */
  readonly lastError: Error | undefined;
}

/** Which broker node a connection is on (from its address and server-properties). */
export interface NodeInfo {
  readonly endpoint: Endpoint;
  /** RabbitMQ's `cluster_name` server property. */
  readonly clusterName: string | undefined;
  /** The broker's `version` server property, e.g. `3.10.8`. */
  readonly serverVersion: string | undefined;
  /** The broker's `product` server property, e.g. `RabbitMQ`. */
  readonly product: string | undefined;
}

/** `recovered`: the connection, its channels and the topology are back. */
export interface RecoveredEvent extends NodeInfo {
  /** Connection attempts it took. */
  readonly attempts: number;
  /** Milliseconds from the loss to the end of the replay. */
  readonly outage: number;
}

/** `queueRenamed`: a server-named queue came back under a new name (bindings and consumers follow it). */
export interface QueueRenamedEvent {
  readonly from: string;
  readonly to: string;
}
