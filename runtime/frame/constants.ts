/**
 * Frame-level constants of AMQP 0-9-1 (spec 4.2.3, 2.3.5) and the {@link Frame} shape that the
 * parser yields.
 *
 * ```
 * 0      1         3             7                  size+7 size+8
 * +------+---------+-------------+  +-------------+  +-----------+
 * | type | channel |    size     |  |   payload   |  | frame-end |
 * +------+---------+-------------+  +-------------+  +-----------+
 *  octet   short       long          size octets      octet 0xCE
 * ```
 */

import { FRAME_OVERHEAD, PROTOCOL_HEADER as HEADER_BYTES } from '../../generated/constants.js';

// The spec's own constants (frame types, frame-end, frame-min-size...) come from the generated
// constants, so there is one definition of each; this file adds only what the frame layer needs.
export { FrameType, FRAME_END, FRAME_MIN_SIZE, FRAME_OVERHEAD } from '../../generated/constants.js';

/** What the client sends first: `"AMQP" 0 0 9 1` (spec 4.2.2), as bytes. Shared: never mutate it. */
export const PROTOCOL_HEADER: Uint8Array = Uint8Array.from(HEADER_BYTES);

/**
 * The largest frame accepted when frame_max is 0 ("no limit", spec connection.tune): RabbitMQ's
 * ceiling on max_message_size (512 MiB) plus the frame overhead. It bounds what one frame header
 * can make the parser allocate.
 */
export const FRAME_SIZE_CEILING = 512 * 1024 * 1024 + FRAME_OVERHEAD;

/** A frame as the parser yields it. */
export interface Frame {
  /** Frame type octet: 1 method, 2 content header, 3 body, 8 heartbeat. */
  readonly type: number;
  /** Channel number, 0 to 65535 (0 is the connection). */
  readonly channel: number;
  /**
   * The payload (without the frame-end octet). A view into the pushed chunk when the frame was
   * whole in it, else a fresh copy: either way it stays valid as long as the caller keeps it,
   * since pushed chunks are never written to.
   */
  readonly payload: Uint8Array;
}
