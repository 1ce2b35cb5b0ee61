// The JavaScript runtimes warren is tested under, each installed on demand and cached per machine.
//
// Theory of operation
// - `node`: the Node.js running this script (the host's; Node 20 on this project's machines).
// - `node24`: Debian forky's `nodejs` package (Node 24), in a Debian root of its own built once
//   per machine by ./root.mjs (<cache>/nodejs-forky, ~250 MB, 1-2 min to build). Debian's node
//   loads parts of itself (undici, acorn...) from absolute paths under /usr/share/nodejs, so it
//   runs on the host's file system through the root's dynamic loader and libraries, in a mount
//   namespace of its own where the root's /usr/share is bound over the host's: the program, the
//   built package and the broker's files keep their host paths, nothing is copied into the root,
//   and no mount outlives the process. That needs root (unshare, mount), as the root build does.
// - `bun`, `deno` and `miniflare` (workerd): the npm packages pinned by ./runtimes/package.json
//   and its lockfile, installed with `npm ci` into <cache>/runtimes-npm-<hash of the lockfile>.
//   A changed lockfile is a new directory, so a machine never runs versions other than the
//   lockfile's; the old directory is left for the operator (or a cache clean-up) to remove.
// - Build states as in ./root.mjs: missing → locked (lockBuild) → building in
//   .<name>.build-<pid> → renamed into place → unlocked; complete when its marker file exists.
//   A second test run on the machine waits for the first's build.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, ensureDebianRoot, lockBuild } from './root.mjs';

/** Every runtime name, in the order the suite runs and reports them. */
export const RUNTIME_NAMES = ['node', 'node24', 'bun', 'deno'];

const MARKER = '.warren-runtimes.json';
const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'runtimes');

/** The Debian root with forky's Node.js 24. */
const NODE_ROOT = { name: 'nodejs-forky', suite: 'forky', include: ['nodejs'], what: 'Node.js 24 (Debian forky)' };

function defaultLog(line) {
  process.stderr.write(`${line}\n`);
}

/**
 * @typedef {object} Runtime
 * @property {string} name       one of RUNTIME_NAMES
 * @property {string} product    `Node.js`, `Bun`, `Deno`
 * @property {string} version    as the runtime prints it: `v20.20.2`, `1.4.5`, `2.9.6`
 * @property {string} platform   what warren sends as client-properties `platform` on it
 * @property {string} from       where it comes from, for tables: `host`, `Debian forky nodejs 24.21.0+dfsg-1`, `npm bun@1.4.5`
 * @property {(script: string, args?: string[]) => { file: string, args: string[] }} command
 *           how to run a script file (ESM) with it; Deno gets --allow-net --allow-read --allow-env
 */

/** Runs `file args` and returns its trimmed stdout, throwing with stderr on failure. */
function output(file, args) {
  const r = spawnSync(file, args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** The sha256 of the pinned lockfile: names the install directory. */
function lockHash() {
  return createHash('sha256').update(readFileSync(join(PACKAGE_DIR, 'package-lock.json'))).digest('hex').slice(0, 12);
}

/**
 * Installs (once per machine and lockfile) the npm packages of ./runtimes/package.json and returns
 * their directory and the binaries found in it.
 *
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {Promise<{ dir: string, bun: string, deno: string, installed: boolean }>}
 */
export async function ensureNpmRuntimes({ log = defaultLog } = {}) {
  const cache = cacheDir();
  const name = `runtimes-npm-${lockHash()}`;
  const dir = join(cache, name);
  const found = (installed) => ({ dir, ...binaries(dir), installed });
  if (existsSync(join(dir, MARKER))) return found(false);
  mkdirSync(cache, { recursive: true });
  const unlock = await lockBuild(cache, name, log, () => existsSync(join(dir, MARKER)));
  try {
    if (existsSync(join(dir, MARKER))) return found(false);
    for (const entry of readdirSync(cache)) {
      if (entry.startsWith(`.${name}.build-`) || entry === name) rmSync(join(cache, entry), { recursive: true, force: true });
    }
    const building = join(cache, `.${name}.build-${process.pid}`);
    mkdirSync(building);
    for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(PACKAGE_DIR, file), join(building, file));
    const started = Date.now();
    log(`installing bun, deno and miniflare from npm (scripts/lib/runtimes/package-lock.json) into ${dir}`);
    // npm of the Node running this; the packages' install scripts put each platform binary in place.
    const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: building, stdio: ['ignore', 2, 2], env: process.env });
    if (npm.error) throw npm.error;
    if (npm.status !== 0) throw new Error(`npm ci in ${building} failed (${npm.status ?? npm.signal})`);
    binaries(building);
    writeFileSync(join(building, MARKER), `${JSON.stringify({ lockfile: lockHash(), installedAt: new Date().toISOString() })}\n`);
    renameSync(building, dir);
    log(`installed the npm runtimes in ${Date.now() - started} ms`);
    return found(true);
  } finally {
    unlock();
  }
}

/** The bun and deno executables in an install directory (the platform package's, or the one its install script moved). */
function binaries(dir) {
  const nm = join(dir, 'node_modules');
  const pick = (what, candidates) => {
    for (const c of candidates) {
      if (!existsSync(c)) continue;
      const r = spawnSync(c, ['--version'], { encoding: 'utf8' });
      if (r.status === 0) return c;
    }
    throw new Error(`no runnable ${what} in ${nm} (tried ${candidates.join(', ')}); remove ${dir} to reinstall`);
  };
  return {
    bun: pick('bun', [join(nm, 'bun/bin/bun.exe'), join(nm, '@oven/bun-linux-x64/bin/bun'), join(nm, '@oven/bun-linux-x64-baseline/bin/bun')]),
    deno: pick('deno', [join(nm, 'deno/deno'), join(nm, '@deno/linux-x64-glibc/deno')]),
  };
}

/**
 * Returns the root holding forky's Node.js 24 and how to run a script with it (see the file
 * comment): `unshare` a mount namespace, bind the root's /usr/share over the host's, and exec
 * the root's node through the root's dynamic loader and libraries.
 *
 * @param {{ log?: (line: string) => void }} [options]
 */
export async function ensureNode24({ log = defaultLog } = {}) {
  const { root, packages } = await ensureDebianRoot({
    ...NODE_ROOT,
    hint: 'run `sudo node scripts/runtimes.mjs install node24` once',
    log,
  });
  const libs = ['usr/lib/x86_64-linux-gnu', 'lib/x86_64-linux-gnu'].map((p) => join(root, p)).join(':');
  // sh -c SCRIPT ROOT LIBS ARGS...: $0 is the root, $1 the library path, the rest node's arguments.
  const launcher = 'r=$0 l=$1; shift; mount --bind "$r/usr/share" /usr/share && exec "$r/lib64/ld-linux-x86-64.so.2" --library-path "$l" "$r/usr/bin/node" "$@"';
  /** @param {string[]} nodeArgs */
  const command = (nodeArgs) => ({ file: 'unshare', args: ['--mount', '--propagation', 'private', '--', 'sh', '-c', launcher, root, libs, ...nodeArgs] });
  return { root, debianVersion: packages.nodejs, command };
}

/**
 * Makes `name` runnable (installing it when this machine has none) and describes it.
 *
 * @param {string} name one of RUNTIME_NAMES
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {Promise<Runtime>}
 */
export async function ensureRuntime(name, { log = defaultLog } = {}) {
  switch (name) {
    case 'node': {
      const version = process.version;
      return { name, product: 'Node.js', version, platform: `Node.js ${version}`, from: 'host', command: (script, args = []) => ({ file: process.execPath, args: [script, ...args] }) };
    }
    case 'node24': {
      const node = await ensureNode24({ log });
      const run = (nodeArgs) => node.command(nodeArgs);
      const probe = run(['-p', 'process.version']);
      const version = output(probe.file, probe.args);
      return { name, product: 'Node.js', version, platform: `Node.js ${version}`, from: `Debian forky nodejs ${node.debianVersion}`, command: (script, args = []) => run([script, ...args]) };
    }
    case 'bun': {
      const { bun } = await ensureNpmRuntimes({ log });
      const version = output(bun, ['--version']);
      return { name, product: 'Bun', version, platform: `Bun ${version}`, from: `npm bun@${version}`, command: (script, args = []) => ({ file: bun, args: [script, ...args] }) };
    }
    case 'deno': {
      const { deno } = await ensureNpmRuntimes({ log });
      const version = output(deno, ['--version']).match(/^deno (\S+)/)?.[1] ?? 'unknown';
      return {
        name,
        product: 'Deno',
        version,
        platform: `Deno ${version}`,
        from: `npm deno@${version}`,
        command: (script, args = []) => ({ file: deno, args: ['run', '--quiet', '--no-prompt', '--allow-net', '--allow-read', '--allow-env', '--allow-sys', script, ...args] }),
      };
    }
    default:
      throw new Error(`unknown runtime ${JSON.stringify(name)} (known: ${RUNTIME_NAMES.join(', ')})`);
  }
}
