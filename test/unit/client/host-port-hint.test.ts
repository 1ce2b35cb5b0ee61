// Issue 20 item 8: a host:port given where connect() wants a URL gets the same hint whatever the
// host looks like. `new URL()` reads 'localhost:5672' as the scheme 'localhost:' but refuses
// '127.0.0.1:5672' and '[::1]:5672' outright, so only names had the hint; IP addresses got the
// generic invalid-URL error.
import { describe, expect, it } from 'vitest';
import { ConfigurationError, connect, type TransportFactory } from 'warren';

/** A transport factory that records whether connect() ever got as far as opening one. */
function recordingTransport(): { factory: TransportFactory; opened: () => number } {
  let opened = 0;
  return {
    factory: () => {
      opened++;
      return Promise.reject(new Error('no transport in this test'));
    },
    opened: () => opened,
  };
}

describe('connect(host:port) is a ConfigurationError with the host:port hint, before any transport opens', () => {
  it.each(['localhost:5672', '127.0.0.1:5672', '[::1]:5672', 'rabbit.example:5672', 'rabbit_1:5672', '10.0.0.7:5673/'])('%s', async (given) => {
    const t = recordingTransport();
    const err = await connect(given, { transport: t.factory }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    const hostPort = given.replace(/\/$/, '');
    expect((err as Error).message).toBe(`'${hostPort}' is a host:port, not a URL: write amqp://${hostPort} or pass { hostname, port }`);
    expect(t.opened()).toBe(0);
  });

  it('a host:port given as the options object gets the hint too, IPv6 included', async () => {
    for (const given of ['127.0.0.1:5672', '[::1]:5672']) {
      await expect(connect('amqp://localhost', given as never)).rejects.toThrow(`for a host:port write connect('amqp://${given}')`);
    }
  });

  it('what is not a host:port keeps the generic message, which never echoes the input', async () => {
    const t = recordingTransport();
    for (const given of ['127.0.0.1', 'user:secret@127.0.0.1:5672', '::1:5672', '127.0.0.1:port']) {
      const err = await connect(given, { transport: t.factory }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigurationError);
      expect((err as Error).message).not.toContain('secret');
      expect((err as Error).message).not.toContain('is a host:port');
    }
    expect(t.opened()).toBe(0);
  });
});
