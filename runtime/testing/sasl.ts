/**
 * The server side of SASL for the test broker (RabbitMQ's rabbit_auth_mechanism_plain and
 * _amqplain): PLAIN's `authzid NUL user NUL password`, AMQPLAIN's field table of LOGIN and
 * PASSWORD written without its length prefix.
 */
import { Reader, readTable } from '../codec/index.js';

/** The mechanisms the broker offers, in connection.start order. */
export const MECHANISMS = ['PLAIN', 'AMQPLAIN'] as const;

const text = new TextDecoder();

/** The user and password in a start-ok response, or undefined when it cannot be read. */
export function credentials(mechanism: string, response: Uint8Array): { user: string; password: string } | undefined {
  if (mechanism === 'PLAIN') {
    const parts = text.decode(response).split('\0');
    if (parts.length !== 3) return undefined;
    return { user: parts[1] as string, password: parts[2] as string };
  }
  if (mechanism === 'AMQPLAIN') {
    const framed = new Uint8Array(response.length + 4);
    new DataView(framed.buffer).setUint32(0, response.length);
    framed.set(response, 4);
    try {
      const t = readTable(new Reader(framed));
      const user = t.LOGIN;
      const password = t.PASSWORD;
      if (typeof user !== 'string' || typeof password !== 'string') return undefined;
      return { user, password };
    } catch {
      return undefined;
    }
  }
  return undefined;
}
