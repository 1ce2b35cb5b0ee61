/**
 * SASL mechanisms for connection.start-ok / secure-ok (spec 1.4.2.2). Pure functions of the
 * credentials: the connection core calls `start()` once for the initial response and
 * `challenge()` for each connection.secure. A user-supplied mechanism is any object of this
 * shape, passed in the connection options.
 */
import { Writer, writeTable, type FieldTable } from '../codec/index.js';

/** A SASL mechanism: its name as the server lists it, and how to answer. */
export interface SaslMechanism {
  /** As listed in connection.start's `mechanisms`, e.g. `PLAIN`. */
  readonly name: string;
  /** The initial response sent in connection.start-ok. */
  start(): Uint8Array;
  /** The answer to a connection.secure challenge (most mechanisms never get one). */
  challenge?(challenge: Uint8Array): Uint8Array;
}

const utf8 = new TextEncoder();

/** warren's own mechanisms: each start() returns a fresh array, which the handshake zeroes once encoded. */
const FRESH = new WeakSet<SaslMechanism>();

/** True when `m`'s responses are fresh arrays nobody else holds (warren's PLAIN and AMQPLAIN), safe to zero after use. */
export function freshResponses(m: SaslMechanism): boolean {
  return FRESH.has(m);
}

/** PLAIN (RFC 4616): `\0user\0password`. */
export function plain(username: string, password: string): SaslMechanism {
  const m: SaslMechanism = {
    name: 'PLAIN',
    start: () => utf8.encode(`\u0000${username}\u0000${password}`),
  };
  FRESH.add(m);
  return m;
}

/**
 * AMQPLAIN: RabbitMQ's own, a field table `LOGIN`, `PASSWORD` written without its length prefix.
 */
export function amqplain(username: string, password: string): SaslMechanism {
  const m: SaslMechanism = {
    name: 'AMQPLAIN',
    start() {
      // Sized so that the writer never grows (a grown-out-of buffer could not be zeroed).
      const w = new Writer(64 + 3 * (username.length + password.length));
      const table: FieldTable = { LOGIN: username, PASSWORD: password };
      writeTable(w, table, 'connection.start-ok', 'response');
      const entries = w.buf.slice(4, w.pos); // the mechanism wants the entries, not the table's long size
      w.buf.fill(0);
      return entries;
    },
  };
  FRESH.add(m);
  return m;
}

/** EXTERNAL: the identity comes from the TLS client certificate; the response is empty. */
export function external(): SaslMechanism {
  return { name: 'EXTERNAL', start: () => new Uint8Array(0) };
}

/**
 * Picks the first of `wanted` (in the client's order of preference) that the server offers.
 * `offered` is connection.start's space-separated `mechanisms` longstr.
 */
export function chooseMechanism(wanted: readonly SaslMechanism[], offered: Uint8Array): SaslMechanism | undefined {
  const names = new TextDecoder().decode(offered).split(/\s+/).filter(Boolean);
  return wanted.find((m) => names.includes(m.name));
}
