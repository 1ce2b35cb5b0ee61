/**
 * Tuning negotiation (spec connection.tune / tune-ok). For channel-max and frame-max 0 means
 * "no limit" and the lower non-zero value wins (channel-max with no limit on either side is
 * 65535, the largest channel id; frame-max stays 0). For heartbeat 0 means "off": RabbitMQ's own
 * clients take the lower non-zero value too, and turn heartbeats off only when both sides ask.
 *
 * What the server offers is checked first (`checkTune`): a value that breaks the spec's rules is
 * answered with connection.close, never taken on (a frame_max of 1 to 8 cannot even frame a
 * heartbeat, and one below 4096 breaks the frame layer's own assumptions).
 */
import { FRAME_MIN_SIZE } from '../frame/index.js';

/** What the client would like; 0 = no preference/limit of its own. */
export interface TuneWanted {
  channelMax: number;
  frameMax: number;
  heartbeat: number;
  /**
   * Turn heartbeats off whatever the server proposes: tune-ok carries heartbeat 0. The client's
   * tune-ok is what counts (spec connection.tune-ok: the client's choice, within the server's
   * limits; RabbitMQ's reader starts its heartbeater with the client's value, 0 = none).
   */
  heartbeatOff?: boolean;
}

/** RabbitMQ 4.1+ refuses a frame_max below 8192 (PROTOCOL-NOTES); never propose less. */
export const MIN_FRAME_MAX = 8192;

/** Why a server's connection.tune cannot be accepted: the reply code to close with and the text. */
export interface TuneViolation {
  readonly replyCode: number;
  readonly replyText: string;
}

/**
 * Checks the server's connection.tune against the spec's rules; undefined when acceptable.
 *
 * - frame-max (long): 0 ("no limit") or at least frame-min-size, 4096. Spec connection.tune,
 *   field frame-max, rule "minimum": "the minimum negotiated value for frame-max is also
 *   frame-min-size". A value from 4096 to 8191 is legal (older brokers; the server's limit then
 *   wins over our 8192), anything from 1 to 4095 is not. Reply code 502 syntax-error: the spec's
 *   constant for "a frame that contained illegal values for one or more fields" (503
 *   command-invalid is for a valid method out of sequence, 530 not-allowed for an entity the
 *   server's policy forbids: neither describes a bad field value).
 * - channel-max and heartbeat are shorts: every value the codec can decode (0 to 65535) is legal.
 *   A value outside it (a hand-built method given to the core) is 502 too.
 */
export function checkTune(offered: TuneWanted): TuneViolation | undefined {
  const { channelMax, frameMax, heartbeat } = offered;
  if (!isUint(frameMax, 0xffffffff) || (frameMax !== 0 && frameMax < FRAME_MIN_SIZE)) {
    return { replyCode: 502, replyText: `SYNTAX_ERROR - connection.tune frame-max ${String(frameMax)} is below frame-min-size ${FRAME_MIN_SIZE} (spec connection.tune, rule "minimum")` };
  }
  if (!isUint(channelMax, 0xffff)) return { replyCode: 502, replyText: `SYNTAX_ERROR - connection.tune channel-max ${String(channelMax)} is not a short` };
  if (!isUint(heartbeat, 0xffff)) return { replyCode: 502, replyText: `SYNTAX_ERROR - connection.tune heartbeat ${String(heartbeat)} is not a short` };
  return undefined;
}

function isUint(n: unknown, max: number): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= max;
}

function lowerNonZero(client: number, server: number, unlimited: number): number {
  if (client === 0 && server === 0) return unlimited;
  if (client === 0) return server;
  if (server === 0) return client;
  return Math.min(client, server);
}

/** The values to send in tune-ok and to use from then on (`offered` passed `checkTune`). */
export function negotiate(wanted: TuneWanted, offered: TuneWanted): TuneWanted {
  return {
    channelMax: lowerNonZero(wanted.channelMax, offered.channelMax, 65535),
    // A server limit below 8192 (older brokers) still wins: it is the server's hard limit.
    // Neither side limiting stays 0 on the wire and for the frame layer, which then bounds a
    // frame by FRAME_SIZE_CEILING; 2^32-1 would let one frame header demand a 4 GiB buffer.
    frameMax: lowerNonZero(wanted.frameMax && Math.max(MIN_FRAME_MAX, wanted.frameMax), offered.frameMax, 0),
    heartbeat: wanted.heartbeatOff ? 0 : lowerNonZero(wanted.heartbeat, offered.heartbeat, 0),
  };
}
