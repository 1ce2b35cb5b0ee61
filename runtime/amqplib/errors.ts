/**
 * amqplib's error shape over warren's typed errors. amqplib reports a broker's channel.close or
 * connection.close as a plain Error whose message names the reply code in the spec's words
 * (`Channel closed by server: 404 (NOT-FOUND) with message "NOT_FOUND - no queue 'q' in vhost '/'"`)
 * with `code`, `classId` and `methodId` beside it; an operation that the close answers fails with
 * `Operation failed: QueueDeclare; 404 (NOT-FOUND) with message "..."`. Code written for amqplib
 * matches on those, so the compat layer words them the same way and keeps warren's typed error
 * as `cause` (a `NotFoundError` with `replyCode`, `replyText`, `method`...).
 */
import { isReplyError, type ReplyError } from '../index.js';

/** Thrown when an operation is attempted on a closed or closing channel or connection (amqplib's class and name). */
export class IllegalOperationError extends Error {
  override name = 'IllegalOperationError' as const;
  /** Where the channel or connection changed state: here, the error that closed it, if any. */
  readonly stackAtStateChange: string | undefined;
  constructor(message: string, stackAtStateChange?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.stackAtStateChange = stackAtStateChange;
  }
}

/** An Error with amqplib's fields: `code` (the reply code), `classId`, `methodId`. */
export interface AmqplibError extends Error {
  code: number | string | undefined;
  classId?: number;
  methodId?: number;
}

const CODE_NAMES: Record<number, string> = {
  200: 'REPLY-SUCCESS',
  311: 'CONTENT-TOO-LARGE',
  312: 'NO-ROUTE',
  313: 'NO-CONSUMERS',
  320: 'CONNECTION-FORCED',
  402: 'INVALID-PATH',
  403: 'ACCESS-REFUSED',
  404: 'NOT-FOUND',
  405: 'RESOURCE-LOCKED',
  406: 'PRECONDITION-FAILED',
  501: 'FRAME-ERROR',
  502: 'SYNTAX-ERROR',
  503: 'COMMAND-INVALID',
  504: 'CHANNEL-ERROR',
  505: 'UNEXPECTED-FRAME',
  506: 'RESOURCE-ERROR',
  530: 'NOT-ALLOWED',
  540: 'NOT-IMPLEMENTED',
  541: 'INTERNAL-ERROR',
};

/** `404 (NOT-FOUND) with message "NOT_FOUND - ..."`, as amqplib's closeMessage words a close. */
export function closeMessage(code: number, text: string): string {
  return `${code} (${CODE_NAMES[code] ?? 'undefined'}) with message "${text}"`;
}

/** amqplib's method name for a dotted one: `queue.declare` → `QueueDeclare`, `basic.get` → `BasicGet`. */
export function methodName(kind: string): string {
  return kind
    .split(/[.-]/)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

function withFields(message: string, r: { replyCode: number; classId: number; methodId: number }, cause: unknown): AmqplibError {
  const e = new Error(message, { cause }) as AmqplibError;
  e.code = r.replyCode;
  e.classId = r.classId;
  e.methodId = r.methodId;
  return e;
}

/** The error a channel emits when the broker closes it: `Channel closed by server: ...`. */
export function channelClosedByServer(r: { replyCode: number; replyText: string; classId: number; methodId: number }, cause?: unknown): AmqplibError {
  return withFields(`Channel closed by server: ${closeMessage(r.replyCode, r.replyText)}`, r, cause);
}

/**
 * The rejection of an operation: amqplib's words when the close answers this very method
 * (class and method ids match), else the channel's close; other failures as they are, with
 * amqplib's `code` copied from a socket error (`ECONNREFUSED`) where there is one.
 */
export function operationError(kind: string, e: unknown): Error {
  if (isReplyError(e)) {
    const r = e as ReplyError;
    if (r.method === kind) return withFields(`Operation failed: ${methodName(kind)}; ${closeMessage(r.replyCode, r.replyText)}`, r, e);
    return channelClosedByServer(r, e);
  }
  return plainError(e);
}

/** A connection's close by the broker: `Connection closed: 320 (CONNECTION-FORCED) with message "..."`. */
export function connectionError(e: unknown): Error {
  if (isReplyError(e)) {
    const r = e as ReplyError;
    if (r.remote) return withFields(`Connection closed: ${closeMessage(r.replyCode, r.replyText)}`, r, e);
  }
  return plainError(e);
}

/** Any other error, with a socket error's `code` (ECONNREFUSED...) lifted from its causes. */
export function plainError(e: unknown): Error {
  if (!(e instanceof Error)) return new Error(String(e));
  let c: unknown = e;
  for (let i = 0; i < 5 && c instanceof Error; i++, c = c.cause) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string') {
      if ((e as { code?: unknown }).code === undefined) Object.defineProperty(e, 'code', { value: code, enumerable: true, configurable: true, writable: true });
      break;
    }
  }
  return e;
}

/** What the broker answers a settlement of a tag it never delivered (or already settled) on the channel. */
export function unknownDeliveryTag(tag: number, how: 'ack' | 'nack' | 'reject'): AmqplibError {
  const methodId = how === 'ack' ? 80 : how === 'nack' ? 120 : 90;
  return channelClosedByServer({ replyCode: 406, replyText: `PRECONDITION_FAILED - unknown delivery tag ${tag}`, classId: 60, methodId });
}
