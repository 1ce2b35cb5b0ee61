// Which RabbitMQ a node runs, and how its programs are launched.
//
// Theory of operation
// - Two versions are supported: 3.10 is the host's Debian package (bookworm; apt-get installs it
//   when missing), 4.3 is Debian forky's package in a root built once per machine (./root.mjs).
//   prepareRabbitmq() turns a version into a runtime: where the node's programs are, where its
//   private directory goes, and how a command is spawned (directly, or in the root).
// - In the root, every program (the server, rabbitmqctl, erl_call) runs as
//   `unshare --mount --propagation private sh -c 'mount proc; mount --rbind /dev; exec chroot ROOT ...'`:
//   /proc and /dev are mounted in a mount namespace of the process's own, so they are visible to
//   it and its children only, and the kernel removes them when the last of those processes ends.
//   Nothing is ever mounted in the host's namespace, so no stop path (stop(), the exit hook, the
//   SIGKILL watchdog) has mounts to undo, and concurrent nodes in one root cannot unmount each
//   other's /proc. Paths given to such a program are paths inside the root (insidePath()).
// - A 4.3 node talks to its own epmd on a port of its own (ERL_EPMD_PORT, loopback only), so it
//   never registers with the host's 3.10 epmd on 4369; all 4.3 nodes of the machine share it,
//   which clustering needs. Like the host's, that epmd outlives the nodes (one small daemon).

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureDebianPackage } from './apt.mjs';
import { ensureRoot, refreshHosts } from './root.mjs';

/** The RabbitMQ versions this script can start. */
export const RABBITMQ_VERSIONS = ['3.10', '4.3'];

/** The version used when none is asked for (the host's Debian package). */
export const DEFAULT_RABBITMQ_VERSION = '3.10';

/** Where Debian's package puts the real (non-wrapper) scripts, on the host and in the root. */
const BIN = '/usr/lib/rabbitmq/bin';
const ERL_CALL = '/usr/lib/erlang/bin/erl_call';

/** The epmd port of 4.x nodes (the host's 3.10 epmd keeps 4369). */
export const EPMD_PORT_4 = Number(process.env.WARREN_EPMD_PORT_4 || 4371);

const CHROOT_SCRIPT = 'r=$1; shift; mount -t proc proc "$r/proc" && mount --rbind /dev "$r/dev" && exec chroot "$r" "$@"';

/**
 * Checks a version string from a flag or WARREN_RABBITMQ; undefined or '' give the default.
 *
 * @param {string | undefined} value
 * @returns {'3.10' | '4.3'}
 */
export function parseRabbitmqVersion(value) {
  if (value === undefined || value === '') return DEFAULT_RABBITMQ_VERSION;
  const version = String(value).trim().replace(/^v/, '');
  if (!RABBITMQ_VERSIONS.includes(version)) {
    throw new Error(`unsupported RabbitMQ version ${JSON.stringify(value)}: choose one of ${RABBITMQ_VERSIONS.join(', ')}`);
  }
  return version;
}

/**
 * How to spawn a program of a RabbitMQ installation: on the host (root null) or in a root.
 *
 * @param {string | null} root
 * @param {string} file absolute path as the program sees it
 * @param {string[]} args
 * @returns {{ file: string, args: string[] }}
 */
export function launch(root, file, args) {
  if (!root) return { file, args };
  return { file: 'unshare', args: ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', CHROOT_SCRIPT, 'sh', root, file, ...args] };
}

/** The path a program in `root` sees for the host path `hostPath` (which must be inside it). */
export function insidePath(root, hostPath) {
  if (!root) return hostPath;
  const rel = relative(root, hostPath);
  if (rel.startsWith('..')) throw new Error(`${hostPath} is outside the root ${root}`);
  return `/${rel}`;
}

/**
 * Makes the given version runnable on this machine (installing or building what is missing) and
 * describes how to run it.
 *
 * @param {{ version?: string, log: (line: string) => void }} options
 * @returns {Promise<import('./rabbitmq.d.mts').RabbitmqRuntime>}
 */
export async function prepareRabbitmq({ version: asked, log }) {
  const version = parseRabbitmqVersion(asked);
  if (version === '3.10') {
    const bin = process.env.WARREN_RABBITMQ_BIN || BIN;
    ensureDebianPackage({ file: join(bin, 'rabbitmq-server'), pkg: 'rabbitmq-server', what: 'RabbitMQ', log });
    const erlCall = [ERL_CALL, '/usr/bin/erl_call'].find((path) => existsSync(path)) ?? 'erl_call';
    return { version, root: null, bin, erlCall, env: {}, packageVersion: dpkgVersion(), buildMs: 0 };
  }
  const { root, buildMs } = await ensureRoot({ version, log });
  refreshHosts(root);
  return {
    version,
    root,
    bin: BIN,
    erlCall: ERL_CALL,
    env: { ERL_EPMD_PORT: String(EPMD_PORT_4), ERL_EPMD_ADDRESS: '127.0.0.1' },
    packageVersion: dpkgVersion(root),
    buildMs,
  };
}

/** The installed rabbitmq-server package version (host or root), for logs. */
function dpkgVersion(root) {
  try {
    return execFileSync('dpkg-query', [...(root ? ['--admindir', join(root, 'var/lib/dpkg')] : []), '-W', '-f', '${Version}', 'rabbitmq-server'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}
