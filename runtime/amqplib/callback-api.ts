/** `warren/amqplib/callback_api`: amqplib's callback API on warren (see callback-model.ts and docs/amqplib.md). */
export { connect, credentials, IllegalOperationError, CallbackModel, CallbackChannel, CallbackConfirmChannel, type Callback } from './callback-model.js';
export type * from './types.js';
