/** `warren/amqplib/callback_api`: amqplib's callback API on warren (see callback-model.ts and docs/amqplib.md). */
export { connect, credentials, IllegalOperationError, CallbackModel, CallbackChannel, CallbackConfirmChannel, type Callback } from './callback-model.js';
export type * from './types.js';

import { connect as open, credentials as creds, IllegalOperationError as Illegal } from './callback-model.js';

/** The module as one object, for `import amqp from 'warren/amqplib/callback_api'`. */
const callbackApi = { connect: open, credentials: creds, IllegalOperationError: Illegal };
export default callbackApi;
