/**
 * A timestamp from the wire that a Date cannot hold: AMQP timestamps are uint64 seconds, a Date
 * reaches only 8.64e12 s. Decoding such a value gives this (an Invalid Date, so code that expects
 * a Date keeps working) carrying the exact `seconds`, and encoding it writes those seconds back,
 * so a message passed through keeps its bytes.
 */
import type { Long } from './long.js';

/** Largest number of seconds a Date can represent. */
export const MAX_DATE_SECONDS = 8.64e12;

/** A timestamp beyond a Date's range: an Invalid Date that keeps the exact seconds (see the file comment). */
export class WireTimestamp extends Date {
  /** The seconds as they were on the wire. */
  readonly seconds: Long;
  constructor(seconds: Long) {
    super(NaN);
    this.seconds = seconds;
  }
}
