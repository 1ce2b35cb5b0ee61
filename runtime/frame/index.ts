/**
 * The frame layer: frames ⇄ bytes. Part of the public `warren/codec` entry point; no I/O.
 */
export { PROTOCOL_HEADER, FrameType, FRAME_END, FRAME_OVERHEAD, FRAME_MIN_SIZE, FRAME_SIZE_CEILING, type Frame } from './constants.js';
export { writeMethodFrame, writeContentFrames, writeHeaderFrame, writeHeartbeat } from './frame-writer.js';
export { FrameParser, type FrameParserOptions } from './frame-parser.js';
export { decodeMethod, decodeContentHeader, readMethodDef, readContentHeader, expectEnd, type ContentHeader } from './decode.js';
