// What a broker says it is: the server-properties of its connection.start (product, version,
// platform, cluster_name), read with a raw socket so that a log names the broker a run really used.
//
// It sends the protocol header, reads the first frame (connection.start, spec 2.3.5 frame layout:
// type 1, channel 0, size, then class 10 method 10, version-major, version-minor, the
// server-properties table) and closes the socket. Only the table's top-level strings are kept;
// other values are skipped by their RabbitMQ field-table tags (../../shared notes: RabbitMQ's tags).

import { connect } from 'node:net';

const HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]);

/** Byte sizes of fixed-size field values by tag. */
const FIXED = { t: 1, b: 1, B: 1, s: 2, u: 2, I: 4, i: 4, l: 8, f: 4, d: 8, T: 8, V: 0, D: 5 };

/** Returns [value, nextOffset] of the field value whose tag is at `at`. */
function fieldValue(buf, at) {
  const tag = String.fromCharCode(buf[at]);
  const from = at + 1;
  if (tag in FIXED) return [undefined, from + FIXED[tag]];
  if (tag === 'S' || tag === 'x') {
    const length = buf.readUInt32BE(from);
    return [tag === 'S' ? buf.toString('utf8', from + 4, from + 4 + length) : undefined, from + 4 + length];
  }
  if (tag === 'F' || tag === 'A') return [undefined, from + 4 + buf.readUInt32BE(from)];
  throw new Error(`unknown field tag ${JSON.stringify(tag)} at offset ${at}`);
}

/** Decodes the top-level string entries of a field table spanning buf[start, end). */
function stringEntries(buf, start, end) {
  const out = {};
  let at = start;
  while (at < end) {
    const keyLength = buf[at];
    const key = buf.toString('utf8', at + 1, at + 1 + keyLength);
    const [value, next] = fieldValue(buf, at + 1 + keyLength);
    if (value !== undefined) out[key] = value;
    at = next;
  }
  return out;
}

/**
 * Connects to host:port and resolves to the broker's server-properties strings, e.g.
 * `{ product: 'RabbitMQ', version: '4.3.6', platform: 'Erlang/OTP 29.0', cluster_name: ... }`.
 *
 * @param {{ port: number, host?: string, timeoutMs?: number }} target
 * @returns {Promise<Record<string, string>>}
 */
export function serverProperties({ port, host = '127.0.0.1', timeoutMs = 10_000 }) {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host });
    let buffer = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error(`no connection.start from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    const finish = (error, value) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(value);
    };
    socket.once('connect', () => socket.write(HEADER));
    socket.once('error', (error) => finish(error));
    socket.once('close', () => finish(new Error(`${host}:${port} closed after ${buffer.length} bytes, before a whole connection.start`)));
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length < 7) return;
      const size = buffer.readUInt32BE(3);
      if (buffer.length < 7 + size + 1) return;
      try {
        if (buffer[0] !== 1 || buffer.readUInt16BE(7) !== 10 || buffer.readUInt16BE(9) !== 10) {
          throw new Error(`${host}:${port} did not answer with connection.start`);
        }
        const tableSize = buffer.readUInt32BE(13);
        finish(undefined, stringEntries(buffer, 17, 17 + tableSize));
      } catch (error) {
        finish(error);
      }
    });
  });
}

/** The "major.minor" series of a full version string: '4.3.6' → '4.3'. */
export function versionSeries(version) {
  return String(version).split('.').slice(0, 2).join('.');
}
