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

/** What the client sends first: `"AMQP" 0 0 9 1` (spec 4.2.2). Shared: never mutate it. */
export const PROTOCOL_HEADER: Uint8Array = Uint8Array.of(0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1);

/** Frame type octets (spec constants frame-method, frame-header, frame-body, frame-heartbeat). */
export const FrameType = {
  method: 1,
  header: 2,
  body: 3,
  heartbeat: 8,
} as const;

/** One of the {@link FrameType} values. */
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** The frame-end octet (spec constant frame-end, 206). */
export const FRAME_END = 0xce;

/** Bytes a frame adds around its payload: 7 of header and 1 frame-end octet. */
export const FRAME_OVERHEAD = 8;

/** The frame_max both peers must accept before connection.tune (spec constant frame-min-size). */
export const FRAME_MIN_SIZE = 4096;

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
