/**
 * `warren/protocol`: the sans-io connection core (bytes in, events and bytes out, time passed
 * in), for driving AMQP over any transport.
 */
export { ConnectionCore, type CoreOptions, type ConnectionStateName } from '../protocol/connection.js';
export type { ProtocolEvent, ProtocolEventListener, Content, FrameTrace } from '../protocol/events.js';
export type { ChannelState, ChannelLifecycle, PendingCall, QueuedFrames, Assembly } from '../protocol/channel-state.js';
export { plain, amqplain, external, chooseMechanism, type SaslMechanism } from '../protocol/sasl.js';
export { negotiate, MIN_FRAME_MAX, type TuneWanted } from '../protocol/tune.js';
export * from '../errors.js';
