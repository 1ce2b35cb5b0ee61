/**
 * The `warren-inspect` bin as a user gets it: built with tsup as package.json's build does, in a
 * copy of the package under node_modules/warren, then run as a plain Node process. Its only
 * import, `warren/codec`, is resolved by Node through the package's own exports map.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';
import { afterAll, beforeAll, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = `${root}.tmp/inspect-package-${process.pid}`;
const pkg = `${dir}/node_modules/warren`;
const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { bin: Record<string, string> };

beforeAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(pkg, { recursive: true });
  cpSync(`${root}package.json`, `${pkg}/package.json`);
  const common = { config: false, format: 'esm' as const, outDir: `${pkg}/dist`, target: 'node20' as const, dts: false, silent: true };
  await build({ ...common, entry: { codec: `${root}runtime/exports/codec.ts` } });
  await build({ ...common, entry: { 'inspect-cli': `${root}tools/inspect/cli.ts` }, external: ['warren/codec'], clean: false });
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('package.json names the bin, and the built file decodes through warren/codec', () => {
  expect(manifest.bin['warren-inspect']).toBe('./dist/inspect-cli.js');
  const bin = `${pkg}/${manifest.bin['warren-inspect']!}`;
  expect(readFileSync(bin, 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
  expect(readFileSync(bin, 'utf8')).toContain('from "warren/codec"');
  // basic.ack, channel 1, delivery tag 7
  const out = execFileSync(process.execPath, [bin, 'decode', '--hex', '0100010000000d003c0050000000000000000700ce'], { cwd: dir, encoding: 'utf8' });
  expect(out.split('\n')[0]).toBe('      @0  ch 1      basic.ack                           deliveryTag=7 multiple=false');
  expect(execFileSync(process.execPath, [bin, '--help'], { cwd: dir, encoding: 'utf8' })).toContain('warren-inspect tap --listen HOST:PORT');
});
