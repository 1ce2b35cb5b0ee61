/**
 * Errors of the connection and channel layer that no reply code describes. Reply-code errors
 * (a broker's connection.close / channel.close) are the generated `ReplyError` subclasses.
 * Every class sets `name`, so `err.name === 'ChannelClosedError'` works across package copies.
 */
import { WarrenError } from './codec/errors.js';

/** The operation needs an open connection, and this one is closing or closed; `cause` says why. */
export class ConnectionClosedError extends WarrenError {
  override name = 'ConnectionClosedError';
}

/** The operation needs an open channel, and this one is closing or closed; `cause` says why. */
export class ChannelClosedError extends WarrenError {
  override name = 'ChannelClosedError';
}

/**
 * Every channel id up to the negotiated channel_max is taken (spec connection.tune): close a
 * channel before opening another. The connection stays usable.
 */
export class ChannelLimitError extends WarrenError {
  override name = 'ChannelLimitError';
}

/** The transport ended without a connection.close handshake (socket error, EOF, network cut). */
export class ConnectionLostError extends WarrenError {
  override name = 'ConnectionLostError';
}

/** No frame arrived for two heartbeat intervals (spec 4.2.7): the peer is presumed dead. */
export class HeartbeatTimeoutError extends ConnectionLostError {
  override name = 'HeartbeatTimeoutError';
}

/** The connection could not be established in time (TCP, TLS and AMQP handshake together). */
export class ConnectTimeoutError extends WarrenError {
  override name = 'ConnectTimeoutError';
}

/**
 * A close handshake got no answer within `closeTimeout`: for a channel, the broker never sent
 * channel.close-ok. The channel is then reported closed with this error and abandoned safely:
 * its id stays reserved (a late close-ok or frame cannot reach a new channel) until the answer
 * comes or the connection ends.
 */
export class CloseTimeoutError extends WarrenError {
  override name = 'CloseTimeoutError';
}

/** The server offers none of the SASL mechanisms the client is configured with. */
export class AuthMechanismError extends WarrenError {
  override name = 'AuthMechanismError';
  readonly offered: readonly string[];
  constructor(wanted: readonly string[], offered: readonly string[]) {
    super(`the server offers SASL mechanisms [${offered.join(', ')}], none of [${wanted.join(', ')}]`);
    this.offered = offered;
  }
}

/** The peer does not speak AMQP 0-9-1 (it answered the protocol header with its own). */
export class ProtocolVersionError extends WarrenError {
  override name = 'ProtocolVersionError';
}

/** A synchronous call did not get its answer in time, or was aborted by its AbortSignal. */
export class OperationAbortedError extends WarrenError {
  override name = 'OperationAbortedError';
}
