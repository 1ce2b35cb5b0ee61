// The Python AMQP clients the interop tests run against (test/interop/): pika, kombu and py-amqp
// from Debian's packages, installed with apt-get on demand (./apt.mjs) like the broker itself, so
// a clean CI machine runs those tests rather than skipping them.

import { ensureDebianPackage } from './apt.mjs';

/** Debian's packages and the file that proves each is installed (bookworm: pika 1.2, kombu 5.2, py-amqp 5.1). */
const PACKAGES = [
  { pkg: 'python3', file: '/usr/bin/python3', what: 'Python 3' },
  { pkg: 'python3-pika', file: '/usr/lib/python3/dist-packages/pika/__init__.py', what: 'pika (python3-pika)' },
  { pkg: 'python3-amqp', file: '/usr/lib/python3/dist-packages/amqp/__init__.py', what: 'py-amqp (python3-amqp)' },
  { pkg: 'python3-kombu', file: '/usr/lib/python3/dist-packages/kombu/__init__.py', what: 'kombu (python3-kombu)' },
];

/**
 * Makes sure python3 with pika, py-amqp and kombu is installed (apt-get when missing, as root);
 * returns the interpreter's path.
 *
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {string}
 */
export function ensurePythonClients(options = {}) {
  for (const p of PACKAGES) ensureDebianPackage({ ...p, ...options });
  return '/usr/bin/python3';
}
