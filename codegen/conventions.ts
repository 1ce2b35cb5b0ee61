/**
 * Spec conventions the XML encodes only by name, and wire constants it does not carry at all,
 * as data for the constants emitter.
 */

/** Constants that are frame types (spec 4.2.3), keyed by their `FrameType` member name. */
export const FRAME_TYPE_CONSTANTS: Readonly<Record<string, string>> = {
  'frame-method': 'method',
  'frame-header': 'header',
  'frame-body': 'body',
  'frame-heartbeat': 'heartbeat',
};

/** The one reply code without an error class: a normal close. */
export const REPLY_SUCCESS = 'reply-success';

/** Wire-format sizes from the spec's prose (4.2.3, 4.2.6), which the XML does not carry. */
export const FRAME_FORMAT_CONSTANTS: readonly { readonly name: string; readonly value: number; readonly doc: string }[] = [
  { name: 'FRAME_HEADER_SIZE', value: 7, doc: 'Bytes before a frame payload: type (octet), channel (short), size (long). Spec 4.2.3.' },
  { name: 'FRAME_END_SIZE', value: 1, doc: 'Bytes after a frame payload: the frame-end octet. Spec 4.2.3.' },
  { name: 'FRAME_OVERHEAD', value: 8, doc: 'Header plus frame-end: a body frame carries at most frame_max - 8 payload bytes.' },
  { name: 'METHOD_HEADER_SIZE', value: 4, doc: 'Class id and method id (two shorts) before method arguments. Spec 4.2.4.' },
  { name: 'CONTENT_HEADER_SIZE', value: 12, doc: 'Class id, weight (shorts) and body size (longlong) before the property flags. Spec 4.2.6.' },
];

/** Docs for spec constants that the XML leaves undocumented. */
export const CONSTANT_DOCS: Readonly<Record<string, string>> = {
  'frame-min-size':
    'The frame size (whole frame, in bytes) every peer must accept: the limit before connection.tune\nhas agreed frame_max (spec 4.2.3).',
  'frame-end': 'The octet that ends every frame; any other value means the stream has lost framing (spec 4.2.3).',
};
