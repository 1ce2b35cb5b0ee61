/** `warren/amqplib/callback_api`: amqplib's callback API on warren (see callback-model.ts and docs/amqplib.md). */
import { connect, credentials, IllegalOperationError, CallbackModel, CallbackChannel, CallbackConfirmChannel } from './callback-model.js';

export { connect, credentials, IllegalOperationError, CallbackModel, CallbackChannel, CallbackConfirmChannel };
export type { Callback } from './callback-model.js';
export type * from './types.js';


/** The module as one object, for `import amqp from 'warren/amqplib/callback_api'`. */
const callbackApi = { connect, credentials, IllegalOperationError };
export default callbackApi;
