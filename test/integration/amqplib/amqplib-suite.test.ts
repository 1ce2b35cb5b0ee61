/**
 * amqplib's own public-API tests (its channel API, callback API and connect tests, from the
 * amqplib 2.2.0 npm tarball: see amqplib-suite.mjs for where they come from and how they are
 * pointed at warren/amqplib) run against this project's broker. Every test must pass except the
 * few listed in NOT_RUN, each with its reason (docs/amqplib.md lists the deliberate ones).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { amqpUrl } from '../../helpers/broker.js';
// @ts-expect-error: a plain .mjs script, without types
import { NOT_RUN } from './amqplib-suite.mjs';

it('amqplib’s channel_api, callback_api and connect tests pass on warren/amqplib', () => {
  const script = fileURLToPath(new URL('./amqplib-suite.mjs', import.meta.url));
  const r = spawnSync(process.execPath, [script, amqpUrl()], { encoding: 'utf8', timeout: 240_000 });
  const count = (what: string) => Number(new RegExp(`^# ${what} (\\d+)$`, 'm').exec(r.stdout)?.[1] ?? NaN);
  // Each failure with the TAP block's `error:` line (a file-level failure says only that much).
  const lines = r.stdout.split('\n');
  const failures = lines.flatMap((l, i) => (/^\s*not ok /.test(l) ? [[l.trim(), lines.slice(i + 1, i + 12).find((d) => /^\s*error:/.test(d))?.trim()].filter(Boolean).join(' | ')] : []));
  expect({ failures, stderr: r.stderr.slice(-2000) }).toEqual({ failures: [], stderr: expect.anything() });
  expect(count('fail')).toBe(0);
  expect(count('cancelled')).toBe(0);
  expect(count('skipped')).toBe(Object.keys(NOT_RUN as object).length);
  expect(count('pass')).toBeGreaterThanOrEqual(70); // amqplib 2.2.0: 75 tests in these three files
  expect(r.status).toBe(0);
}, 300_000);
