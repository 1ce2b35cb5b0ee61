/**
 * amqplib's ChannelModel (what `connect()` resolves to) over a warren Connection, and connect().
 *
 * Theory of operation. The model forwards warren's connection events in amqplib's names and
 * shapes: `error` (a fatal failure, amqplib's message for a broker's connection.close), `close`
 * (with that error, or none after close()), `blocked`/`unblocked`, `update-secret-ok`. Channels
 * are warren channels wrapped by channel.ts. `model.connection` is the small read-only view
 * amqplib's users reach for (serverProperties, the negotiated heartbeat, frameMax, channelMax);
 * `model.warren` is the warren Connection itself.
 *
 * With amqplib's `recovery` option (1.1+) the same model is returned, in amqplib's
 * RecoveringChannelModel shape (recovery.ts): warren's recovery reconnects and restores the
 * channels, their consumers and the topology; the model emits amqplib's recovery events.
 */
import { ChannelLimitError, connect as warrenConnect, type Connection } from '../index.js';
import { ConfirmChannel } from './confirm-channel.js';
import { Channel, type ConnectionInfo } from './channel.js';
import { connectError, resolveConnect } from './connect.js';
import { IllegalOperationError, connectionError } from './errors.js';
import { EventEmitter, safeEmit } from './events.js';
import { recoveryOptions, wireRecovery, type RecoveryState } from './recovery.js';
import type { ChannelOptions, ConnectObject, SocketOptions } from './types.js';

function info(c: Connection): ConnectionInfo {
  return {
    get serverProperties() {
      return c.serverProperties as Record<string, unknown>;
    },
    get heartbeat() {
      return c.tune.heartbeat;
    },
    get frameMax() {
      return c.tune.frameMax;
    },
    get channelMax() {
      return c.tune.channelMax;
    },
    close(cb?: (err?: Error) => void) {
      c.close().then(() => cb?.(), (e: Error) => cb?.(e));
    },
  };
}

/** What connect() resolves to: channels, close, updateSecret and the connection's events. */
export class ChannelModel extends EventEmitter {
  /** The warren Connection underneath. */
  readonly warren: Connection;
  readonly connection: ConnectionInfo;
  #closing = false;
  /** @internal amqplib's recovery option, when given */
  recovery: RecoveryState | undefined;

  /** Where events go: this model, or the callback API's model that wraps it. */
  readonly events: EventEmitter;

  /** @internal use connect() */
  constructor(connection: Connection, events?: EventEmitter) {
    super();
    this.warren = connection;
    this.connection = info(connection);
    const to = (this.events = events ?? this);
    connection.on('error', (e) => {
      if (to.listenerCount('error') > 0) safeEmit(to, 'error', connectionError(e));
    });
    connection.on('close', (e) => safeEmit(to, 'close', e === undefined ? undefined : connectionError(e)));
    connection.on('blocked', (reason) => safeEmit(to, 'blocked', reason));
    connection.on('unblocked', () => safeEmit(to, 'unblocked'));
  }

  #assertOpen(): void {
    if (this.#closing || this.warren.state === 'closed' || this.warren.state === 'closing') throw new IllegalOperationError('Connection closed', undefined, { cause: this.warren.closeReason });
  }

  /** Closes the connection (connection.close, then close-ok); IllegalOperationError when already closed. */
  async close(): Promise<void> {
    this.#assertOpen();
    this.#closing = true;
    await this.warren.close();
  }

  /** connection.update-secret (RabbitMQ extension, e.g. a refreshed OAuth 2 token); `update-secret-ok` follows. */
  async updateSecret(newSecret: Buffer | string, reason: string): Promise<void> {
    this.#assertOpen();
    await this.warren.updateSecret(typeof newSecret === 'string' ? newSecret : Buffer.from(newSecret).toString('utf8'), reason);
    safeEmit(this.events, 'update-secret-ok');
  }

  /** @internal opens a channel whose events go to `events` (the callback API's channel) */
  async open(options: ChannelOptions | undefined, confirm: boolean, events?: EventEmitter): Promise<Channel> {
    this.#assertOpen();
    try {
      const ch = await this.warren.channel({ ...options?.warren, confirm });
      return confirm ? new ConfirmChannel(this.connection, ch, options, events) : new Channel(this.connection, ch, options, events);
    } catch (e) {
      if (e instanceof ChannelLimitError) throw new Error('No channels left to allocate', { cause: e });
      throw connectionError(e);
    }
  }

  /** Opens a channel. */
  createChannel(options?: ChannelOptions): Promise<Channel> {
    return this.open(options, false);
  }

  /** Opens a channel in confirm mode. */
  createConfirmChannel(options?: ChannelOptions): Promise<ConfirmChannel> {
    return this.open(options, true) as Promise<ConfirmChannel>;
  }

  /** With the `recovery` option: resolves once the first connection is open (it is: warren's connect resolves then). */
  async waitForConnect(): Promise<this> {
    await this.recovery?.ready;
    return this;
  }
}

/**
 * Connects as amqplib's connect(url, socketOptions) does, on warren: resolves to a ChannelModel.
 * `socketOptions.recovery` turns on warren's recovery with amqplib's options; `socketOptions.warren`
 * passes any of warren's own.
 */
export async function connect(url?: string | ConnectObject | null | false, socketOptions?: SocketOptions): Promise<ChannelModel> {
  return open(url, socketOptions);
}

/** @internal connect(), with the callback API's model as the target of the events */
export async function open(url: string | ConnectObject | null | false | undefined, socketOptions: SocketOptions | undefined, events?: EventEmitter, onModel?: (m: ChannelModel) => void): Promise<ChannelModel> {
  const { options } = resolveConnect(url, socketOptions);
  const recovery = recoveryOptions(socketOptions?.recovery);
  if (recovery) options.recovery = socketOptions?.warren?.recovery ?? recovery.warren;
  let conn: Connection;
  try {
    conn = await warrenConnect(options);
  } catch (e) {
    throw connectError(e, socketOptions?.credentials?.mechanism);
  }
  const model = new ChannelModel(conn, events);
  onModel?.(model);
  if (recovery) {
    model.recovery = recovery;
    await wireRecovery(model, recovery);
  }
  return model;
}
