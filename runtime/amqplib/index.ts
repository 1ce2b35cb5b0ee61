/**
 * `warren/amqplib`: amqplib's channel (promise) API on warren's connection and channels. Change
 * `require('amqplib')` to `require('warren/amqplib')` (or alias the package); docs/amqplib.md
 * lists what behaves better and every deliberate difference.
 */
import { connect, ChannelModel } from './channel-model.js';
import { Channel } from './channel.js';
import { ConfirmChannel } from './confirm-channel.js';
import { credentials } from './connect.js';
import { IllegalOperationError } from './errors.js';

export { connect, ChannelModel, Channel, ConfirmChannel, credentials, IllegalOperationError };
export type { ConnectionInfo } from './channel.js';
export type { ConfirmCallback } from './confirm-channel.js';
export type { AmqplibError } from './errors.js';
export type {
  AmqplibCredentials,
  AssertExchangeOptions,
  AssertQueueOptions,
  ChannelOptions,
  ConnectObject,
  ConsumeMessage,
  ConsumeOptions,
  DeleteExchangeOptions,
  DeleteQueueOptions,
  GetMessage,
  GetOptions,
  Message,
  MessageFields,
  MessageProperties,
  PublishOptionsAmqplib,
  RecoveryOptions,
  Replies,
  SocketOptions,
} from './types.js';

/** The module as one object, for `import amqp from 'warren/amqplib'` (amqplib is CommonJS: its tutorials import it that way). */
const amqplib = { connect, credentials, IllegalOperationError, ChannelModel, Channel, ConfirmChannel };
export default amqplib;
