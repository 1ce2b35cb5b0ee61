// Debian roots of a newer suite than the host's, built once per machine: one with a newer
// rabbitmq-server (the broker's, `ensureRoot`), one with a newer Node.js (`ensureDebianRoot` for
// scripts/lib/runtimes.mjs); each root holds one suite and its own packages, so that rebuilding
// or changing one never touches the other.
//
// Theory of operation
// - RabbitMQ 4.3 is Debian forky's package; this machine runs bookworm (3.10). mmdebstrap builds a
//   minimal root of forky with rabbitmq-server (and the Erlang it needs) from the Debian mirror:
//   ~15 s and ~240 MB here. Nothing is installed on the host except mmdebstrap itself.
// - The root lives in a stable per-machine cache directory (/var/cache/warren, or
//   $WARREN_CACHE_DIR), named after what it is for: <cache>/rabbitmq-4.3, <cache>/nodejs-forky.
//   A root is complete when its
//   marker file (.warren-root.json) exists; it is never modified afterwards except /etc/hosts,
//   which is refreshed (write + rename) before each node starts.
// - Build states: missing → locked → building (<cache>/.<name>.build-<pid>) → renamed into
//   place → unlocked. The lock is a directory created with mkdir (atomic) holding the owner's pid;
//   a second test run on the machine waits for it, and takes it over when its owner has died
//   (leftover build directories are removed by whoever holds the lock; mmdebstrap runs in a mount
//   namespace of its own, so a killed build leaves no mounts in them). The rename makes the root
//   appear whole or not at all.
// - The mirror's Release file for a moving suite may be older than its Valid-Until field allows,
//   hence Acquire::Check-Valid-Until "false".

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDebianPackage } from './apt.mjs';

/** The Debian suite whose rabbitmq-server each chroot-backed version comes from. */
export const ROOT_SUITES = { '4.3': 'forky' };

const LOCK_WAIT_MS = 15 * 60_000;
const MARKER = '.warren-root.json';

/** The per-machine cache directory for built roots. */
export function cacheDir() {
  return process.env.WARREN_CACHE_DIR || '/var/cache/warren';
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/**
 * Takes the build lock for `name` in `dir`, waiting for (or taking over from) another builder.
 * Resolves to the unlock function. While waiting, `isBuilt()` true (the other builder finished)
 * ends the wait without the lock (the unlock function then does nothing).
 *
 * @param {string} dir
 * @param {string} name
 * @param {(line: string) => void} log
 * @param {() => boolean} [isBuilt]
 * @returns {Promise<() => void>}
 */
export async function lockBuild(dir, name, log, isBuilt = () => existsSync(join(dir, name, MARKER))) {
  const lockDir = join(dir, `.${name}.lock`);
  const deadline = Date.now() + LOCK_WAIT_MS;
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      return () => rmSync(lockDir, { recursive: true, force: true });
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    let owner = NaN;
    try {
      owner = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
    } catch {
      /* the owner is between mkdir and writing its pid, or just released it */
    }
    if (Number.isInteger(owner) && owner > 0 && !alive(owner)) {
      log(`taking over the lock ${lockDir} from dead process ${owner}`);
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (isBuilt()) return () => {};
    if (!announced) {
      log(`waiting for process ${owner} to finish building ${join(dir, name)}`);
      announced = true;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${lockDir} (held by ${owner})`);
    await sleep(500);
  }
}

function run(command, args, logFile) {
  return new Promise((resolve, reject) => {
    const fd = openSync(logFile, 'a');
    const child = spawn(command, args, { stdio: ['ignore', fd, fd], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    closeSync(fd);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else {
        let tail = '';
        try {
          tail = readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
        } catch {
          /* no log */
        }
        reject(new Error(`${command} ${args.join(' ')} failed (${code ?? signal})\n--- ${logFile} (tail) ---\n${tail}`));
      }
    });
  });
}

/**
 * Returns the path of the root for RabbitMQ `version`, building it first when this machine has
 * none (root only: mmdebstrap, chroot and mount need it).
 *
 * @param {{ version: '4.3', log: (line: string) => void }} options
 * @returns {Promise<{ root: string, built: boolean, buildMs: number }>}
 */
export async function ensureRoot({ version, log }) {
  const suite = ROOT_SUITES[version];
  if (!suite) throw new Error(`no Debian suite is known for RabbitMQ ${version}`);
  const { root, built, buildMs } = await ensureDebianRoot({
    name: `rabbitmq-${version}`,
    suite,
    include: ['rabbitmq-server'],
    what: `RabbitMQ ${version}`,
    hint: `run \`sudo node scripts/broker.mjs start --rabbitmq ${version}\` once, or use --rabbitmq 3.10`,
    log,
  });
  return { root, built, buildMs };
}

/** The installed version of Debian package `pkg` in a root (from its dpkg status), or undefined. */
export function rootPackageVersion(root, pkg) {
  return readFileSync(join(root, 'var/lib/dpkg/status'), 'utf8')
    .split('\n\n')
    .find((stanza) => stanza.startsWith(`Package: ${pkg}\n`))
    ?.match(/^Version: (.+)$/m)?.[1];
}

/**
 * Returns the path of the Debian `suite` root `<cache>/<name>` holding the packages `include`
 * (and what they depend on), building it first when this machine has none (root only:
 * mmdebstrap needs it). `what` names it in messages; `hint` says what to do without root. The
 * marker records the version of each included package (`packages`).
 *
 * @param {{ name: string, suite: string, include: string[], what: string, hint: string, log: (line: string) => void }} options
 * @returns {Promise<{ root: string, built: boolean, buildMs: number, packages: Record<string, string | undefined> }>}
 */
export async function ensureDebianRoot({ name, suite, include, what, hint, log }) {
  const dir = cacheDir();
  const root = join(dir, name);
  const existing = () => ({ root, built: false, buildMs: 0, packages: JSON.parse(readFileSync(join(root, MARKER), 'utf8')).packages ?? {} });
  if (existsSync(join(root, MARKER))) return existing();
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new Error(`${what} runs in a Debian ${suite} root that must be built once as root (mmdebstrap, chroot): ${hint}`);
  }
  ensureDebianPackage({ file: '/usr/bin/mmdebstrap', pkg: 'mmdebstrap', what: 'mmdebstrap', log });
  mkdirSync(dir, { recursive: true });
  const unlock = await lockBuild(dir, name, log);
  try {
    if (existsSync(join(root, MARKER))) return existing();
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith(`.${name}.build-`) || entry === name) removeUnmounted(join(dir, entry));
    }
    const started = Date.now();
    const building = join(dir, `.${name}.build-${process.pid}`);
    const logFile = join(dir, `${name}.build.log`);
    const mirror = process.env.WARREN_DEBIAN_MIRROR || 'http://deb.debian.org/debian';
    log(`building the ${what} root (Debian ${suite}, mmdebstrap from ${mirror}) in ${root}; log ${logFile}`);
    writeFileSync(logFile, '');
    // In a mount namespace of its own: the /proc, /sys and /dev mounts mmdebstrap makes in the
    // build directory vanish with it even when it is killed, so a leftover build directory never
    // has host filesystems mounted in it when the next builder removes it.
    await run(
      'unshare',
      ['--mount', '--propagation', 'private', '--', 'mmdebstrap', '--variant=apt', '--aptopt=Acquire::Check-Valid-Until "false"', `--include=${include.join(',')}`, suite, building, mirror],
      logFile,
    );
    const packages = Object.fromEntries(include.map((pkg) => [pkg, rootPackageVersion(building, pkg)]));
    // `rabbitmqServer` kept for roots read by older checkouts of the broker scripts.
    const marker = { suite, mirror, packages, ...(packages['rabbitmq-server'] ? { rabbitmqServer: packages['rabbitmq-server'] } : {}), builtAt: new Date().toISOString() };
    writeFileSync(join(building, MARKER), `${JSON.stringify(marker)}\n`);
    renameSync(building, root);
    const buildMs = Date.now() - started;
    log(`built the ${what} root (${include.map((pkg) => `${pkg} ${packages[pkg]}`).join(', ')}) in ${buildMs} ms`);
    return { root, built: true, buildMs, packages };
  } finally {
    unlock();
  }
}

/** Removes a directory tree, refusing if anything is mounted inside it (rm would reach the host's files). */
function removeUnmounted(path) {
  const mounted = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point) => point && (point === path || point.startsWith(`${path}/`)));
  if (mounted.length > 0) throw new Error(`not removing ${path}: ${mounted.join(', ')} mounted inside it; unmount them first (umount -R)`);
  rmSync(path, { recursive: true, force: true });
}

/** Copies the host's /etc/hosts into the root (the node resolves `localhost` through it). */
export function refreshHosts(root) {
  const hosts = readFileSync('/etc/hosts');
  const target = join(root, 'etc', 'hosts');
  let current;
  try {
    current = readFileSync(target);
  } catch {
    current = undefined;
  }
  if (current && current.equals(hosts)) return;
  const temp = `${target}.${process.pid}`;
  writeFileSync(temp, hosts);
  renameSync(temp, target);
}
