/**
 * TLS against the broker's TLS listener and the test CA: verification on by default, amqps URL
 * parameters and the options object, EXTERNAL with the client certificate, SNI for host names
 * only, and certificates no trusted CA signed.
 */
import { readFileSync } from 'node:fs';
import { type AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionLostError, connect, type Connection } from 'warren';
import { amqpsUrl, tlsFiles, uniqueName } from '../../helpers/broker.js';
import { settingsOfAll } from '../../helpers/broker-extra.js';

const open: Connection[] = [];
let server: Server | undefined;
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});
async function track(c: Promise<Connection>): Promise<Connection> {
  const conn = await c;
  open.push(conn);
  return conn;
}

const port = () => Number(new URL(amqpsUrl()).port);
const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

/** A TLS server that records the SNI it is sent and then hangs up. */
async function sniRecorder(cert: string, key: string): Promise<{ port: number; names: (string | false)[] }> {
  const names: (string | false)[] = [];
  server = createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (s) => {
    names.push((s as unknown as { servername: string | false }).servername);
    s.destroy();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, names };
}

describe('TLS', () => {
  it('amqps with the test CA (cacertfile): verified connection; client certificate via certfile/keyfile', async () => {
    const f = tlsFiles();
    const [a, b] = [uniqueName('tls'), uniqueName('tls-cert')];
    await Promise.all([
      track(connect(`${amqpsUrl()}?${q({ cacertfile: f.caCert, connection_name: a })}`)),
      track(connect(`${amqpsUrl()}?${q({ cacertfile: f.caCert, certfile: f.clientCert, keyfile: f.clientKey, connection_name: b })}`)),
    ]);
    const seen = await settingsOfAll([a, b]);
    expect(seen.map((s) => [s.ssl, s.authMechanism])).toEqual([
      [true, 'PLAIN'],
      [true, 'PLAIN'],
    ]);
  });

  it('EXTERNAL: the broker logs in the certificate CN', async () => {
    const f = tlsFiles();
    const name = uniqueName('external');
    const conn = await track(connect(`${amqpsUrl()}?${q({ cacertfile: f.caCert, certfile: f.clientCert, keyfile: f.clientKey, auth_mechanism: 'EXTERNAL', connection_name: name })}`));
    expect(conn.isOpen).toBe(true);
    const [seen] = await settingsOfAll([name]);
    expect([seen!.authMechanism, seen!.user]).toEqual(['EXTERNAL', f.clientCommonName]);
  });

  it('an options object with PEM contents, to the host name localhost', async () => {
    const f = tlsFiles();
    const conn = await track(connect({ hostname: 'localhost', port: port(), tls: { ca: readFileSync(f.caCert, 'utf8'), cert: readFileSync(f.clientCert), key: readFileSync(f.clientKey) }, authMechanisms: ['EXTERNAL'] }));
    expect(conn.isOpen).toBe(true);
  });

  it('verification is on by default: without the test CA the broker certificate is refused', async () => {
    const e = await connect(amqpsUrl()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConnectionLostError);
    expect(((e as Error).cause as { code?: string }).code).toMatch(/UNABLE_TO_VERIFY|SELF_SIGNED|UNABLE_TO_GET_ISSUER/);
  });

  it('a CA that did not sign the server certificate: typed error', async () => {
    const f = tlsFiles();
    const e = await connect({ hostname: '127.0.0.1', port: port(), tls: { cacertfile: f.selfSignedCert } }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConnectionLostError);
    expect((e as Error).message).toMatch(/cannot connect/);
  });

  it('a self-signed server certificate is rejected even with the test CA', async () => {
    const f = tlsFiles();
    const rec = await sniRecorder(f.selfSignedCert, f.selfSignedKey);
    const e = await connect({ hostname: '127.0.0.1', port: rec.port, tls: { cacertfile: f.caCert }, connectionTimeout: 5_000 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConnectionLostError);
    expect(((e as Error).cause as { code?: string }).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
  });

  it('SNI: sent for a host name, not for an IP address', async () => {
    const f = tlsFiles();
    const rec = await sniRecorder(f.serverCert, f.serverKey);
    const tls = { cacertfile: f.caCert };
    await connect({ hostname: 'localhost', port: rec.port, tls, connectionTimeout: 5_000 }).catch(() => undefined);
    await connect({ hostname: '127.0.0.1', port: rec.port, tls, connectionTimeout: 5_000 }).catch(() => undefined);
    expect(rec.names).toEqual(['localhost', false]);
  });
});
