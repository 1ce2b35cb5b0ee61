// An AMQP URL needs its '//' (RabbitMQ's URI spec: amqp_URI = "amqp://" amqp_authority ...).
// new URL() also takes 'amqp:5672' — a host named amqp with its port, as a Compose service is
// often named — as the scheme amqp: with the path '5672'; parseUrl read that path as the vhost
// '672' (its first character dropped as the slash) and connect() went to localhost.
import { describe, expect, it } from 'vitest';
import { ConfigurationError, connect, type TransportFactory } from 'warren';
import { parseUrl } from '../../../runtime/client/options.js';

describe('an amqp: or amqps: URL without its //', () => {
  it.each([
    ['amqp:5672', "'amqp:5672' is not a URL: for localhost write amqp://localhost:5672; for a host named amqp write amqp://amqp:5672; or pass { hostname, port }"],
    ['AMQP:5672', "'AMQP:5672' is not a URL: for localhost write amqp://localhost:5672; for a host named AMQP write amqp://AMQP:5672; or pass { hostname, port }"],
    // TLS stays TLS in both readings: never a hint towards plain text for someone who wrote amqps.
    ['amqps:5671', "'amqps:5671' is not a URL: for TLS to localhost write amqps://localhost:5671; for a host named amqps write amqps://amqps:5671; or pass { hostname, port }"],
  ])('%s: the hint names both readings, before any transport opens', async (given, message) => {
    let opened = 0;
    const transport: TransportFactory = () => (opened++, Promise.reject(new Error('no transport in this test')));
    const err = await connect(given, { transport }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).message).toBe(message);
    expect(opened).toBe(0);
  });

  it.each(['amqp:', 'amqp:localhost:5672', 'amqp:/vhost', 'amqps:guest:secret@host', 'amqp:/\\/host'])('%s is the generic invalid-URL error (never a connection to localhost)', (given) => {
    expect(() => parseUrl(given)).toThrow(ConfigurationError);
    expect(() => parseUrl(given)).toThrow('invalid AMQP URL (expected amqp://user:password@host:port/vhost)');
  });

  it('URLs with // are read as before, an empty authority included', () => {
    expect(parseUrl('amqp://')).toEqual({});
    expect(parseUrl('  amqp://h:5673/%2Fprod ')).toEqual({ hostname: 'h', port: 5673, vhost: '/prod' });
    expect(parseUrl('AMQPS://[::1]')).toMatchObject({ hostname: '::1', tls: {} });
    expect(parseUrl('amqp:///v')).toEqual({ vhost: 'v' });
  });
});
