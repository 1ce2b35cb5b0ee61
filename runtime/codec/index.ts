/**
 * The codec runtime: the only API that generated code imports. Exported publicly as part of
 * `warren/codec`.
 */
export { Reader } from './reader.js';
export { Writer, bit, wrongType } from './writer.js';
export type { Long } from './long.js';
export { WarrenError, EncodeError, DecodeError, ReplyError, isWarrenError, isEncodeError, isDecodeError, isReplyError } from './errors.js';
export { readUtf8, writeUtf8, utf8, utf8Length, tryReadUtf8, hasRawBytes, textBytes, textFromBytes } from './utf8.js';
export type { AnyMethod, Direction, FieldDef, FieldType, MethodDef, PropertiesDef, ProtocolRegistry } from './registry.js';
export { writeTable, readTable, writeArray, readArray, MAX_DEPTH, WIRE, tableEntries, orderedTable, type FieldValue, type FieldTable, type WireInfo } from './field-table.js';
export { Field, Decimal, field, checkFieldValue, type FieldTag, type FieldTagValue } from './field.js';
export { WireTimestamp, MAX_DATE_SECONDS } from './timestamp.js';
