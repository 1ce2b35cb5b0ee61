// Installs a missing Debian package, the way a clean CI machine needs it.
//
// The test suite must run against a real RabbitMQ started by the project itself, and CI runs on a
// fresh clone as root: so when the broker (or openssl) is missing we install it with apt-get
// rather than skipping tests. Without root or apt-get we stop with the exact command to run.
// `apt-get update` runs at most once per process: the package lists of a fresh machine may be
// empty or stale, and updating them again for a second package would only cost time.
// Several processes may install at once (a test run starts its two brokers together, and test
// files install the Python clients): apt-get update fails at once when another apt-get holds
// /var/lib/apt/lists/lock (DPkg::Lock::Timeout covers only dpkg's lock), so every apt-get run
// here takes an flock of our own first and waits for the others; the package is looked for again
// once the lock is ours (the other process may have installed it).

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let updated = false;

/** The lock every apt-get run of ours holds (/run/lock is root's tmpfs for such files). */
const LOCK = existsSync('/run/lock') ? '/run/lock/warren-apt.lock' : join(tmpdir(), 'warren-apt.lock');
/** How long to wait for another process's apt-get (an install of rabbitmq-server takes minutes). */
const LOCK_WAIT_S = 900;

/** True when `name` is an executable found on PATH. */
function onPath(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

function run(args, log) {
  log(`$ ${args.join(' ')}`);
  // Progress goes to stderr so that a CLI's stdout (the broker URL) stays machine-readable.
  const command = onPath('flock') ? ['flock', '-w', String(LOCK_WAIT_S), LOCK, ...args] : args;
  const result = spawnSync(command[0], command.slice(1), {
    stdio: ['ignore', 2, 2],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${args.join(' ')} failed with exit code ${result.status ?? result.signal}`);
  }
}

/**
 * Makes sure `file` exists, installing Debian package `pkg` with apt-get when it does not.
 *
 * @param {{ file: string, pkg: string, what: string, log?: (line: string) => void }} options
 *   `file`: the path that proves the package is installed; `what`: a human name for messages.
 * @throws {Error} when the file is missing and cannot be installed (not root, no apt-get), or is
 *   still missing after the install; the message carries the command to run by hand.
 */
export function ensureDebianPackage({ file, pkg, what, log = (line) => process.stderr.write(`${line}\n`) }) {
  if (existsSync(file)) return;
  const command = `apt-get update && apt-get install -y --no-install-recommends ${pkg}`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !onPath('apt-get')) {
    throw new Error(
      `${what} is not installed (${file} is missing). Install it with:\n` +
        `  sudo sh -c '${command}'`,
    );
  }
  log(`${what} is missing (${file}); installing Debian package ${pkg}`);
  // Wait for a concurrent apt/dpkg (another job on the same machine) instead of failing at once.
  const lock = ['-o', 'DPkg::Lock::Timeout=300'];
  if (!updated) {
    run(['apt-get', ...lock, 'update'], log);
    updated = true;
  }
  if (existsSync(file)) return; // installed meanwhile by another process
  run(['apt-get', ...lock, 'install', '-y', '--no-install-recommends', pkg], log);
  if (!existsSync(file)) {
    throw new Error(`installed ${pkg} but ${file} is still missing; install ${what} by hand: ${command}`);
  }
}
