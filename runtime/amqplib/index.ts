/**
 * `warren/amqplib`: amqplib's channel (promise) API on warren's connection and channels. Change
 * `require('amqplib')` to `require('warren/amqplib')` (or alias the package); docs/amqplib.md
 * lists what behaves better and every deliberate difference.
 */
export { connect, ChannelModel } from './channel-model.js';
export { Channel, type ConnectionInfo } from './channel.js';
export { ConfirmChannel, type ConfirmCallback } from './confirm-channel.js';
export { credentials } from './connect.js';
export { IllegalOperationError, type AmqplibError } from './errors.js';
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

import { ChannelModel as Model, connect as open } from './channel-model.js';
import { Channel as Ch } from './channel.js';
import { ConfirmChannel as Confirm } from './confirm-channel.js';
import { credentials as creds } from './connect.js';
import { IllegalOperationError as Illegal } from './errors.js';

/** The module as one object, for `import amqp from 'warren/amqplib'` (amqplib is CommonJS: its tutorials import it that way). */
const amqplib = { connect: open, credentials: creds, IllegalOperationError: Illegal, ChannelModel: Model, Channel: Ch, ConfirmChannel: Confirm };
export default amqplib;
