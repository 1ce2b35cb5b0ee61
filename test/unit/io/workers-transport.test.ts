// The Workers transport outside workerd (its real run is test/runtimes/worker.test.ts): TLS
// options workerd cannot honour are refused by name before anything else, and a connect where
// cloudflare:sockets does not exist is a TypeError that says so.
import { describe, expect, it } from 'vitest';
import { workersTransport } from '../../../runtime/io/workers-transport.js';

const target = { hostname: 'broker.example.com', port: 5671, timeout: 1_000 };

describe('workersTransport', () => {
  it('refuses a custom CA, client certificates, another servername and verification off', async () => {
    await expect(workersTransport({ ...target, tls: { ca: '-----BEGIN CERTIFICATE-----' } })).rejects.toThrow(/public trust store only: ca cannot/);
    await expect(workersTransport({ ...target, tls: { certfile: '/c.pem', keyfile: '/k.pem' } })).rejects.toThrow(/certfile, keyfile cannot/);
    await expect(workersTransport({ ...target, tls: { rejectUnauthorized: false } })).rejects.toThrow(TypeError);
    await expect(workersTransport({ ...target, tls: { servername: 'other.example.com' } })).rejects.toThrow(/servername cannot/);
  });

  it('outside workerd, connecting is a TypeError naming cloudflare:sockets', async () => {
    await expect(workersTransport({ ...target, tls: { servername: target.hostname, rejectUnauthorized: true } })).rejects.toThrow(/needs cloudflare:sockets/);
    await expect(workersTransport({ ...target, tls: undefined })).rejects.toBeInstanceOf(TypeError);
  });
});
