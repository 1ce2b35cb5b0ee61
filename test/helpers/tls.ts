/**
 * Test certificates for TLS and EXTERNAL tests, made with openssl (see scripts/lib/tls.mjs, which
 * scripts/broker.mjs shares): a CA, a server certificate from it (CN=localhost, SAN DNS:localhost
 * and IP:127.0.0.1), a client certificate from it (CN=guest by default) and a self-signed server
 * certificate that the CA does not vouch for.
 */
import { readFileSync } from 'node:fs';
import { generateTlsFiles, issueClientCert, type TlsFiles } from '../../scripts/lib/tls.mjs';

export { generateTlsFiles, issueClientCert, type TlsFiles };

/** The PEM contents of a set, ready for `tls.connect({ ca, cert, key })`. */
export interface TlsPems {
  ca: Buffer;
  clientCert: Buffer;
  clientKey: Buffer;
  selfSignedCert: Buffer;
}

/** Reads the PEM files of a set that tests pass to node:tls. */
export function readTlsPems(files: TlsFiles): TlsPems {
  return {
    ca: readFileSync(files.caCert),
    clientCert: readFileSync(files.clientCert),
    clientKey: readFileSync(files.clientKey),
    selfSignedCert: readFileSync(files.selfSignedCert),
  };
}
