/**
 * How the test broker refuses something: an {@link AmqpFault} thrown from a method handler
 * becomes a channel.close (soft codes) or a connection.close (hard codes) with RabbitMQ's reply
 * text layout, `NOT_FOUND - no queue 'q' in vhost '/'`, and the class and method ids of the
 * method being handled. Which codes are hard comes from the generated reply-code table (spec 1.8).
 */
import { registry } from '../../generated/index.js';

/** A refusal the broker turns into channel.close or connection.close. */
export class AmqpFault extends Error {
  override readonly name = 'AmqpFault';
  /** Spec reply code, e.g. 404. */
  readonly replyCode: number;
  /** What goes on the wire: `NOT_FOUND - detail`. */
  readonly replyText: string;
  /** True for connection errors (spec "hard"): the whole connection closes. */
  readonly hard: boolean;

  constructor(replyCode: number, detail: string) {
    const known = registry.replyCodes.get(replyCode);
    const prefix = (known?.name ?? `CODE_${replyCode}`).toUpperCase().replace(/-/g, '_');
    const text = `${prefix} - ${detail}`;
    // shortstr: RabbitMQ truncates long reply texts the same way.
    super(text.length > 255 ? text.slice(0, 255) : text);
    this.replyCode = replyCode;
    this.replyText = this.message;
    this.hard = known?.severity === 'hard';
  }
}

/** Shorthands for the refusals RabbitMQ sends most, each named for its reply code. */
export const fault = {
  notFound: (detail: string) => new AmqpFault(404, detail),
  accessRefused: (detail: string) => new AmqpFault(403, detail),
  resourceLocked: (detail: string) => new AmqpFault(405, detail),
  preconditionFailed: (detail: string) => new AmqpFault(406, detail),
  commandInvalid: (detail: string) => new AmqpFault(503, detail),
  channelError: (detail: string) => new AmqpFault(504, detail),
  unexpectedFrame: (detail: string) => new AmqpFault(505, detail),
  notAllowed: (detail: string) => new AmqpFault(530, detail),
  notImplemented: (detail: string) => new AmqpFault(540, detail),
  frameError: (detail: string) => new AmqpFault(501, detail),
  syntaxError: (detail: string) => new AmqpFault(502, detail),
  internalError: (detail: string) => new AmqpFault(541, detail),
} as const;

/** `'name' in vhost '/'` as RabbitMQ quotes resources in reply texts. */
export function resource(kind: 'queue' | 'exchange', name: string, vhost: string): string {
  return `${kind} '${name}' in vhost '${vhost}'`;
}
