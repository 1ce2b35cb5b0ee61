/**
 * The error types of the codec layer. Generated code and the frame layer throw only these.
 *
 * - {@link EncodeError}: *local*: the caller asked us to put something on the wire that the
 *   wire cannot carry (a shortstr over 255 bytes, a short out of range, a missing field).
 *   Thrown before anything reaches a socket; the message names the method and the field.
 * - {@link DecodeError}: *remote*: bytes from the peer do not parse. Carries the offset and
 *   the AMQP reply code that applies when the connection is closed because of it
 *   (spec 4.2.3: 501 frame-error for a malformed frame, 502 syntax-error for bad method
 *   arguments, 505 unexpected-frame for content out of order).
 * - {@link ReplyError}: the base of one generated class per reply code (generated/errors.ts),
 *   for a connection.close or channel.close received from, or sent to, the peer.
 */

/** Base of every error that warren throws on purpose. `name` is set so that `isX` guards work across realms. */
export class WarrenError extends Error {
  override name = 'WarrenError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A value cannot be encoded: thrown before any byte of the frame leaves the process. */
export class EncodeError extends WarrenError {
  override name = 'EncodeError';
  /** What was being encoded, e.g. `basic.publish` or `basic properties`. */
  readonly context: string;
  /** The field (camelCase) or table key path, e.g. `routingKey` or `headers.x-retry`. */
  readonly field: string;
  constructor(context: string, field: string, problem: string) {
    super(`${context}: ${field}: ${problem}`);
    this.context = context;
    this.field = field;
  }
}

/** Bytes from the peer do not parse. `replyCode` is the code to close the connection with. */
export class DecodeError extends WarrenError {
  override name = 'DecodeError';
  /** Offset in the buffer (or stream) being decoded where the problem was found. */
  readonly offset: number;
  /** AMQP reply code that applies: 501 frame-error, 502 syntax-error, 505 unexpected-frame... */
  readonly replyCode: number;
  /**
   * True when the stream can no longer be trusted to be framed at all (a bad frame-end octet or
   * an unknown frame type): spec 4.2.3 says to close the socket without sending anything more.
   */
  readonly fatal: boolean;
  constructor(message: string, offset: number, replyCode = 502, fatal = false) {
    super(message);
    this.offset = offset;
    this.replyCode = replyCode;
    this.fatal = fatal;
  }
}

/**
 * A connection or channel was closed with an AMQP reply code (spec 1.8 / constants). Generated
 * code has one subclass per reply code (e.g. `NotFoundError`, 404); use `replyErrorFor` from the
 * codec to build the right one.
 */
export class ReplyError extends WarrenError {
  override name = 'ReplyError';
  readonly replyCode: number;
  readonly replyText: string;
  /** Class id of the method that caused the close, or 0. */
  readonly classId: number;
  /** Method id of the method that caused the close, or 0. */
  readonly methodId: number;
  /** Dotted name of the method that caused the close (`queue.declare`), when known. */
  readonly method: string | undefined;
  /** `soft` errors close the channel; `hard` errors close the connection (spec constants). */
  readonly severity: 'soft' | 'hard';
  /** True when the broker sent the close; false when the client closed because of the peer. */
  readonly remote: boolean;
  constructor(init: {
    replyCode: number;
    replyText: string;
    classId?: number;
    methodId?: number;
    method?: string | undefined;
    severity: 'soft' | 'hard';
    remote?: boolean;
    cause?: unknown;
  }) {
    const where = init.method ? ` (caused by ${init.method})` : '';
    super(`${init.replyCode} ${init.replyText}${where}`, { cause: init.cause });
    this.replyCode = init.replyCode;
    this.replyText = init.replyText;
    this.classId = init.classId ?? 0;
    this.methodId = init.methodId ?? 0;
    this.method = init.method;
    this.severity = init.severity;
    this.remote = init.remote ?? true;
  }
}

/** True for any error that warren threw on purpose. */
export function isWarrenError(e: unknown): e is WarrenError {
  return e instanceof WarrenError;
}

/** True for an {@link EncodeError} (checks `name`, so it works across package copies). */
export function isEncodeError(e: unknown): e is EncodeError {
  return e instanceof Error && e.name === 'EncodeError';
}

/** True for a {@link DecodeError}. */
export function isDecodeError(e: unknown): e is DecodeError {
  return e instanceof Error && e.name === 'DecodeError';
}

/** True for a {@link ReplyError} or any generated subclass. */
export function isReplyError(e: unknown): e is ReplyError {
  return e instanceof ReplyError || (e instanceof Error && typeof (e as ReplyError).replyCode === 'number' && 'severity' in e);
}
