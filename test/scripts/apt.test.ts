/**
 * scripts/lib/apt.mjs under contention: two processes that each install a missing package at the
 * same moment (the two brokers of a test run starting on a fresh machine). Real apt-get fails an
 * `update` at once when another holds /var/lib/apt/lists/lock (`install` waits, through
 * DPkg::Lock::Timeout); one of the two runs failed that way. The apt-get here is a stand-in on
 * PATH that keeps that one rule with a lock directory of its own, since the real race cannot be
 * provoked on demand without touching the machine's packages.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const apt = fileURLToPath(new URL('../../scripts/lib/apt.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'warren-apt-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// update: fails at once (exit 100) while another apt-get holds the lists lock, as apt does.
// install: creates the file that proves the package is there. Every call is logged.
writeFileSync(join(dir, 'apt-get'), `#!/bin/sh
echo "$$ $*" >> "${dir}/calls"
case " $* " in
  *" update "*)
    mkdir "${dir}/lists.lock" 2>/dev/null || { echo "E: Could not get lock /var/lib/apt/lists/lock. It is held by process $$" >&2; exit 100; }
    sleep 1
    rmdir "${dir}/lists.lock";;
  *" install "*)
    for last; do :; done
    touch "${dir}/installed-$last";;
esac
`);
chmodSync(join(dir, 'apt-get'), 0o755);

function install(pkg: string): Promise<{ code: number | null; stderr: string }> {
  const script = `import { ensureDebianPackage } from ${JSON.stringify(apt)};
ensureDebianPackage({ file: ${JSON.stringify(join(dir, 'installed-'))} + process.argv[1], pkg: process.argv[1], what: process.argv[1], log: () => {} });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, pkg], {
    env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

it.skipIf(typeof process.getuid !== 'function' || process.getuid() !== 0)('two processes installing at once both succeed: their apt-get runs wait for each other', async () => {
  // (Not root: ensureDebianPackage prints the command to run instead of running apt-get.)
  const results = await Promise.all([install('pkg-one'), install('pkg-two')]);
  expect(results.map((r) => r.stderr)).toEqual(['', '']);
  expect(results.map((r) => r.code)).toEqual([0, 0]);
  expect(existsSync(join(dir, 'installed-pkg-one')) && existsSync(join(dir, 'installed-pkg-two'))).toBe(true);
  const calls = readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');
  expect(calls.filter((c) => / update$/.test(c))).toHaveLength(2);
}, 60_000);
