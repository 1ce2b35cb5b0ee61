/**
 * RabbitMQ quirks, as data (house style, after amq-protocol): emitters read these tables and
 * never test a particular field or domain name themselves.
 *
 * Only choices about what warren emits belong here. Errors in the spec itself that RabbitMQ's
 * behaviour settles (e.g. basic.recover being synchronous, answered by basic.recover-ok) are
 * protocol facts: they are fixed in spec/rabbitmq.xml, where users see and can override them.
 */

/** The `<assert check="...">` kinds the generator knows how to enforce in encoders. */
export type EnforceableCheck = 'notnull' | 'length' | 'regexp';

/**
 * Which spec asserts encoders enforce by default. None: the spec's limits are stricter than
 * RabbitMQ's, and a client that refuses what the broker accepts is a bug report waiting.
 * - `length` (exchange-name, queue-name: 127) — RabbitMQ accepts names up to 255 bytes, the
 *   shortstr limit that the Writer enforces anyway.
 * - `regexp` (`^[a-zA-Z0-9-_.:]*$`) — RabbitMQ accepts any UTF-8 in names.
 * - `notnull` — the empty exchange name is the default exchange, an empty queue name asks the
 *   broker to generate one, and reply code 0 is harmless; RabbitMQ does not check it.
 * `le` (tune-ok.channel-max ≤ tune.channel-max) spans two methods; the connection state
 * machine enforces that, not the codec.
 * Generator option `enforceAsserts` turns any of them on (e.g. for a strictly spec-compliant peer).
 */
export const DEFAULT_ASSERT_ENFORCEMENT: Readonly<Record<EnforceableCheck, boolean>> = {
  notnull: false,
  length: false,
  regexp: false,
};

/** Checks a spec may name that no encoder enforces (kept in the model for documentation). */
export const UNENFORCEABLE_CHECKS: ReadonlySet<string> = new Set(['le', 'enum', 'syntax']);
