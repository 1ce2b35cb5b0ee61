/**
 * Tuning negotiation (spec connection.tune / tune-ok). For channel-max and frame-max 0 means
 * "no limit" and the lower non-zero value wins (channel-max with no limit on either side is
 * 65535, the largest channel id; frame-max stays 0). For heartbeat 0 means "off": RabbitMQ's own
 * clients take the lower non-zero value too, and turn heartbeats off only when both sides ask.
 */

/** What the client would like; 0 = no preference/limit of its own. */
export interface TuneWanted {
  channelMax: number;
  frameMax: number;
  heartbeat: number;
}

/** RabbitMQ 4.1+ refuses a frame_max below 8192 (PROTOCOL-NOTES); never propose less. */
export const MIN_FRAME_MAX = 8192;

function lowerNonZero(client: number, server: number, unlimited: number): number {
  if (client === 0 && server === 0) return unlimited;
  if (client === 0) return server;
  if (server === 0) return client;
  return Math.min(client, server);
}

/** The values to send in tune-ok and to use from then on. */
export function negotiate(wanted: TuneWanted, offered: TuneWanted): TuneWanted {
  return {
    channelMax: lowerNonZero(wanted.channelMax, offered.channelMax, 65535),
    // A server limit below 8192 (older brokers) still wins: it is the server's hard limit.
    // Neither side limiting stays 0 on the wire and for the frame layer, which then bounds a
    // frame by FRAME_SIZE_CEILING; 2^32-1 would let one frame header demand a 4 GiB buffer.
    frameMax: lowerNonZero(wanted.frameMax && Math.max(MIN_FRAME_MAX, wanted.frameMax), offered.frameMax, 0),
    heartbeat: lowerNonZero(wanted.heartbeat, offered.heartbeat, 0),
  };
}
