/**
 * How each exchange type decides whether a binding matches a published message (RabbitMQ's
 * rabbit_exchange_type_* modules): direct compares keys, fanout matches everything, topic
 * matches dotted words with `*` (one word) and `#` (zero or more), headers compares the
 * binding's arguments with the message's headers under `x-match` all/any (3.10 adds
 * all-with-x/any-with-x, which also compare `x-` keys).
 */
import { Decimal, Field, type FieldTable, type FieldValue } from '../codec/index.js';

/** The exchange types the test broker implements. */
export const EXCHANGE_TYPES = ['direct', 'fanout', 'topic', 'headers'] as const;
/** One of {@link EXCHANGE_TYPES}. */
export type ExchangeType = (typeof EXCHANGE_TYPES)[number];

/** True when the topic binding key `pattern` matches `key`. */
export function topicMatches(pattern: string, key: string): boolean {
  const p = pattern.split('.');
  const k = key.split('.');
  // Memoised walk over (pattern word, key word): `#` either ends here or eats one more word.
  const memo = new Map<number, boolean>();
  const walk = (i: number, j: number): boolean => {
    const id = i * (k.length + 1) + j;
    const hit = memo.get(id);
    if (hit !== undefined) return hit;
    let result: boolean;
    if (i === p.length) result = j === k.length;
    else if (p[i] === '#') result = walk(i + 1, j) || (j < k.length && walk(i, j + 1));
    else result = j < k.length && (p[i] === '*' || p[i] === k[j]) && walk(i + 1, j + 1);
    memo.set(id, result);
    return result;
  };
  return walk(0, 0);
}

function unwrap(v: FieldValue): FieldValue {
  return v instanceof Field ? (v.value as FieldValue) : v;
}

/** Field-value equality as RabbitMQ compares header values (type-insensitive for numbers). */
export function sameValue(a: FieldValue, b: FieldValue): boolean {
  const x = unwrap(a);
  const y = unwrap(b);
  if ((typeof x === 'number' || typeof x === 'bigint') && (typeof y === 'number' || typeof y === 'bigint')) return Number(x) === Number(y);
  if (x instanceof Uint8Array && y instanceof Uint8Array) return x.length === y.length && x.every((v, i) => v === y[i]);
  if (x instanceof Uint8Array && typeof y === 'string') return new TextDecoder().decode(x) === y;
  if (typeof x === 'string' && y instanceof Uint8Array) return new TextDecoder().decode(y) === x;
  if (x instanceof Date && y instanceof Date) return x.getTime() === y.getTime();
  if (x instanceof Decimal && y instanceof Decimal) return x.scale === y.scale && x.value === y.value;
  if (Array.isArray(x) && Array.isArray(y)) return x.length === y.length && x.every((v, i) => sameValue(v, y[i]));
  if (x && y && typeof x === 'object' && typeof y === 'object' && !(x instanceof Map) && !(y instanceof Map)) {
    const kx = Object.keys(x);
    const ky = Object.keys(y);
    return kx.length === ky.length && kx.every((key) => sameValue((x as FieldTable)[key], (y as FieldTable)[key]));
  }
  return x === y;
}

/** True when a headers-exchange binding with `args` matches a message's `headers`. */
export function headersMatch(args: FieldTable, headers: FieldTable | undefined): boolean {
  const mode = unwrap(args['x-match'] ?? 'all');
  const any = mode === 'any' || mode === 'any-with-x';
  const withX = mode === 'all-with-x' || mode === 'any-with-x';
  const h = headers ?? {};
  let compared = 0;
  for (const key of Object.keys(args)) {
    if (key === 'x-match' || (!withX && key.startsWith('x-'))) continue;
    compared += 1;
    const want = args[key];
    const present = Object.prototype.hasOwnProperty.call(h, key);
    // A void binding value matches the key's presence alone.
    const ok = present && (unwrap(want) === null || sameValue(want, h[key]));
    if (any && ok) return true;
    if (!any && !ok) return false;
  }
  return any ? false : compared >= 0;
}

/** True when a binding of an exchange of `type` matches. */
export function bindingMatches(type: ExchangeType, binding: { routingKey: string; arguments: FieldTable }, keys: readonly string[], headers: FieldTable | undefined): boolean {
  switch (type) {
    case 'fanout':
      return true;
    case 'direct':
      return keys.includes(binding.routingKey);
    case 'topic':
      return keys.some((k) => topicMatches(binding.routingKey, k));
    case 'headers':
      return headersMatch(binding.arguments, headers);
  }
}
