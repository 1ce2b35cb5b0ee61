/**
 * `warren/codec`: encode and parse AMQP 0-9-1 frames with no I/O. The generated methods,
 * properties, constants, errors and registry; the primitive reader/writer and field tables;
 * frame encoding and the streaming frame parser. Also what user-generated bindings import.
 */
export * from '../codec/index.js';
export { FRAME_SIZE_CEILING, type Frame, writeMethodFrame, writeContentFrames, writeHeaderFrame, writeHeartbeat, FrameParser, type FrameParserOptions, decodeMethod, decodeContentHeader, type ContentHeader } from '../frame/index.js';
// The bytes form of the protocol header wins over the generated array form.
export { PROTOCOL_HEADER } from '../frame/index.js';
export * from '../../generated/index.js';
