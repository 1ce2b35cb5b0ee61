// Types for scripts/lib/tls.mjs.

/** PEM file paths of one generated test certificate set. */
export interface TlsFiles {
  /** The directory holding every file below. */
  dir: string;
  caCert: string;
  caKey: string;
  /** CN=localhost, SAN DNS:localhost, IP:127.0.0.1, signed by the CA. */
  serverCert: string;
  serverKey: string;
  /** Signed by the CA, CN = clientCommonName (EXTERNAL logs in as that user). */
  clientCert: string;
  clientKey: string;
  clientCommonName: string;
  /** CN=localhost, self-signed: no CA vouches for it. */
  selfSignedCert: string;
  selfSignedKey: string;
}

export function generateTlsFiles(options?: { dir?: string; clientCommonName?: string }): TlsFiles;
export function issueClientCert(files: TlsFiles, options: { name: string; commonName: string }): { cert: string; key: string };
