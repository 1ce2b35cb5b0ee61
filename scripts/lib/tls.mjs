// Test certificates made with the openssl CLI (no npm dependency, nothing committed that expires).
//
// One run makes: a CA; a server certificate from it (CN=localhost, SAN DNS:localhost and
// IP:127.0.0.1, so both `localhost` and `127.0.0.1` URLs pass hostname checks); a client
// certificate from it (CN=guest by default, so EXTERNAL over TLS logs in as the built-in loopback
// user without creating one); and a self-signed server certificate that no CA vouches for, for
// tests that expect a client to reject it. P-256 keys: fast to make, and both node:tls and
// Erlang's ssl accept them.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianPackage } from './apt.mjs';

const DAYS = '3650';

function openssl(args, cwd) {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`openssl ${args.join(' ')} failed: ${String(error.stderr ?? error.message).trim()}`, { cause: error });
  }
}

function serial() {
  return `0x${randomBytes(8).toString('hex')}`;
}

function newKey(cwd, file) {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file], cwd);
}

function signed(cwd, { name, cn, extensions }) {
  newKey(cwd, `${name}.key`);
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`], cwd);
  writeFileSync(join(cwd, `${name}.ext`), `${extensions.join('\n')}\n`);
  openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', serial(),
      '-days', DAYS, '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.pem`],
    cwd,
  );
}

/**
 * Makes a CA, server, client and self-signed certificate set in a new temp dir (or `dir`).
 *
 * @param {{ dir?: string, clientCommonName?: string }} [options]
 * @returns {import('./tls.d.mts').TlsFiles}
 */
export function generateTlsFiles(options = {}) {
  ensureDebianPackage({ file: '/usr/bin/openssl', pkg: 'openssl', what: 'openssl' });
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'warren-tls-'));
  const clientCommonName = options.clientCommonName ?? 'guest';

  newKey(dir, 'ca.key');
  openssl(
    ['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=warren test CA', '-days', DAYS, '-sha256', '-set_serial', serial(),
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'ca.pem'],
    dir,
  );
  signed(dir, {
    name: 'server',
    cn: 'localhost',
    extensions: ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth',
      'subjectAltName=DNS:localhost,IP:127.0.0.1'],
  });
  signed(dir, {
    name: 'client',
    cn: clientCommonName,
    extensions: ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth'],
  });
  newKey(dir, 'selfsigned.key');
  openssl(
    ['req', '-x509', '-new', '-key', 'selfsigned.key', '-subj', '/CN=localhost', '-days', DAYS, '-sha256', '-set_serial', serial(),
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-out', 'selfsigned.pem'],
    dir,
  );

  return {
    dir,
    caCert: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    clientCommonName,
    selfSignedCert: join(dir, 'selfsigned.pem'),
    selfSignedKey: join(dir, 'selfsigned.key'),
  };
}

/**
 * Issues another client certificate from the same CA, e.g. for an EXTERNAL login as a user that
 * does not exist. `name` names the files (`<name>.pem`, `<name>.key`) in the set's dir.
 *
 * @param {import('./tls.d.mts').TlsFiles} files
 * @param {{ name: string, commonName: string }} options
 * @returns {{ cert: string, key: string }}
 */
export function issueClientCert(files, { name, commonName }) {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`bad certificate file name ${JSON.stringify(name)}`);
  signed(files.dir, {
    name,
    cn: commonName,
    extensions: ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth'],
  });
  return { cert: join(files.dir, `${name}.pem`), key: join(files.dir, `${name}.key`) };
}
