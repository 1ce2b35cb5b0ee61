/**
 * Error vectors: bytes that must be rejected with a typed DecodeError, with the reply code, the
 * `fatal` flag and the offset (stream offset for the parser; offset inside the payload for the
 * method and content-header decoders, which see one payload at a time).
 *
 * Reply codes as runtime/frame documents them (spec 4.2.3, PROTOCOL-NOTES): framing broken →
 * 501 fatal; oversized frame or bad heartbeat → 501/503, framing intact; unknown method or
 * content class → 540; arguments or properties that do not fit, or trailing bytes → 502.
 */
import { hex } from '../helpers/hex.js';
import { ss, type ErrorVector } from './types.js';

const SPEC = 'hand-assembled: spec 4.2.3 frame layout, broken on purpose';
const HDR = 'hand-assembled: spec 4.2.6.1 content header, broken on purpose';

const e = (
  name: string,
  source: string,
  bytes: Uint8Array,
  error: ErrorVector['error'],
  frameMax?: number,
): ErrorVector => (frameMax === undefined ? { name, source, hex: bytes, error } : { name, source, hex: bytes, error, frameMax });

export const errorVectors: ErrorVector[] = [
  // ---- framing (FrameParser)
  e('bad frame-end octet', SPEC, hex`01 0001 00000004 000a 000b 00`,
    { stage: 'parser', replyCode: 501, fatal: true, offset: 11, message: /frame end 0x00 at offset 11, expected 0xce/ }),
  e('bad frame-end after a good heartbeat (offsets count from the stream start)', SPEC, hex`08 0000 00000000 ce  01 0000 00000004 000a 0033 cf`,
    { stage: 'parser', replyCode: 501, fatal: true, offset: 19, message: /frame end 0xcf at offset 19/ }),
  e('unknown frame type 4', SPEC, hex`04 0001 00000000 ce`,
    { stage: 'parser', replyCode: 501, fatal: true, offset: 0, message: /unknown frame type 4 at offset 0/ }),
  e('frame one byte over frame_max 4096', SPEC, hex`03 0001 00000ff9`,
    { stage: 'parser', replyCode: 501, fatal: false, offset: 0, message: /4097 bytes at offset 0 is over frame_max 4096/ }),
  e('frame one byte over a tiny frame_max 32', SPEC, hex`03 0001 00000019`,
    { stage: 'parser', replyCode: 501, fatal: false, offset: 0, message: /over frame_max 32/ }, 32),
  e('heartbeat with a payload', SPEC, hex`08 0000 00000001 00 ce`,
    { stage: 'parser', replyCode: 501, fatal: false, offset: 0, message: /heartbeat frame at offset 0 has a 1-byte payload/ }),
  e('heartbeat on channel 1', SPEC, hex`08 0001 00000000 ce`,
    { stage: 'parser', replyCode: 503, fatal: false, offset: 0, message: /heartbeat frame at offset 0 is on channel 1/ }),

  // ---- method payloads (decodeMethod)
  e('unknown method 10.99', SPEC, hex`01 0001 00000004 000a 0063 ce`,
    { stage: 'method', replyCode: 540, fatal: false, offset: 0, message: /unknown method 10\.99/ }),
  e('access.request (30.10, dropped from 0-9-1) is not implemented', SPEC, hex`01 0001 00000004 001e 000a ce`,
    { stage: 'method', replyCode: 540, fatal: false, offset: 0, message: /unknown method 30\.10/ }),
  e('exchange.unbind-ok at 40.41 (the spec\'s gap, not RabbitMQ\'s 40.51)', SPEC, hex`01 0001 00000004 0028 0029 ce`,
    { stage: 'method', replyCode: 540, fatal: false, offset: 0, message: /unknown method 40\.41/ }),
  e('payload too short for the method id', SPEC, hex`01 0001 00000002 000a ce`,
    { stage: 'method', replyCode: 502, fatal: false, offset: 2, message: /short needs 2 bytes at offset 2, only 0 left/ }),
  e('connection.tune truncated before heartbeat', SPEC, hex`01 0000 0000000a 000a 001e 07ff 00020000 ce`,
    { stage: 'method', replyCode: 502, fatal: false, offset: 10, message: /short needs 2 bytes at offset 10/ }),
  e('channel.close-ok with a trailing byte', SPEC, hex`01 0001 00000005 0014 0029 00 ce`,
    { stage: 'method', replyCode: 502, fatal: false, offset: 4, message: /channel\.close-ok: 1 unexpected trailing bytes at offset 4/ }),
  e('channel.flow with a second bit octet', SPEC, hex`01 0001 00000006 0014 0014 01 01 ce`,
    { stage: 'method', replyCode: 502, fatal: false, offset: 5, message: /channel\.flow: 1 unexpected trailing bytes at offset 5/ }),
  e('basic.consume-ok shortstr longer than the payload', SPEC, hex`01 0001 00000008 003c 0015 0a 637461 ce`,
    { stage: 'method', replyCode: 502, fatal: false, offset: 4, message: /shortstr needs 11 bytes at offset 4, only 4 left/ }),
  e('exchange.bind arguments table longer than the payload', SPEC, hex`01 0001 00000014 0028 001e 0000 ${ss('dst')} ${ss('src')} 00 00 00000010 ce`,
    { stage: 'method', replyCode: 502, fatal: false, offset: 16, message: /field table at offset 16 declares 16 bytes, only 0 left/ }),
  e('queue.declare arguments with unknown tag Z', SPEC, hex`01 0001 00000010 0032 000a 0000 ${ss('q')} 00 00000003 016b 5a ce`,
    { stage: 'method', replyCode: 502, fatal: false, offset: 15, message: /unknown field value tag 0x5a 'Z' at offset 15/ }),
  e('basic.ack delivery tag cut to 2 bytes', SPEC, hex`01 0001 00000006 003c 0050 0000 ce`,
    { stage: 'method', replyCode: 502, fatal: false, offset: 4, message: /longlong needs 8 bytes at offset 4, only 2 left/ }),
  e('basic.qos without its bit octet', SPEC, hex`01 0001 0000000a 003c 000a 00000000 000a ce`,
    { stage: 'method', replyCode: 502, fatal: false, offset: 10, message: /octet needs 1 bytes at offset 10/ }),

  // ---- content headers (decodeContentHeader)
  e('property flags with the continuation bit (0x0001)', HDR, hex`02 0001 0000000e 003c 0000 00000000 00000000 0001 ce`,
    { stage: 'header', replyCode: 502, fatal: false, offset: 12, message: /flags 0x1 at offset 12/ }),
  e('property flag bit 1 (a 15th basic property)', HDR, hex`02 0001 0000000e 003c 0000 00000000 00000000 0002 ce`,
    { stage: 'header', replyCode: 502, fatal: false, offset: 12, message: /flags 0x2 at offset 12/ }),
  e('all 16 flag bits', HDR, hex`02 0001 0000000e 003c 0000 00000000 00000000 ffff ce`,
    { stage: 'header', replyCode: 502, fatal: false, offset: 12, message: /flags 0xffff at offset 12/ }),
  e('non-zero weight', HDR, hex`02 0001 0000000e 003c 0001 00000000 00000000 0000 ce`,
    { stage: 'header', replyCode: 502, fatal: false, offset: 2, message: /weight 1 at offset 2, expected 0/ }),
  e('content header of class 10 (no content properties)', HDR, hex`02 0001 0000000e 000a 0000 00000000 00000000 0000 ce`,
    { stage: 'header', replyCode: 540, fatal: false, offset: 0, message: /class 10, which has no content properties/ }),
  e('content-type flag set, value missing', HDR, hex`02 0001 0000000e 003c 0000 00000000 00000000 8000 ce`,
    { stage: 'header', replyCode: 502, fatal: false, offset: 14, message: /shortstr length needs 1 bytes at offset 14/ }),
  e('timestamp flag set, value cut to 4 bytes', HDR, hex`02 0001 00000012 003c 0000 00000000 00000000 0040 00000000 ce`,
    { stage: 'header', replyCode: 502, fatal: false, offset: 14, message: /longlong needs 8 bytes at offset 14, only 4 left/ }),
  e('trailing byte after the properties', HDR, hex`02 0001 0000000f 003c 0000 00000000 00000000 0000 00 ce`,
    { stage: 'header', replyCode: 502, fatal: false, offset: 14, message: /1 unexpected trailing bytes at offset 14/ }),
  e('header cut inside body-size', HDR, hex`02 0001 00000007 003c 0000 000000 ce`,
    { stage: 'header', replyCode: 502, fatal: false, offset: 4, message: /longlong needs 8 bytes at offset 4, only 3 left/ }),
];
