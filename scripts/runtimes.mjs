#!/usr/bin/env node
// The runtimes warren is tested under (see scripts/lib/runtimes.mjs): install them ahead of a
// test run, or see what this machine has.
//
//   node scripts/runtimes.mjs install [NAME...]   install (once per machine) and print each version
//   node scripts/runtimes.mjs run NAME SCRIPT [ARG...]   run a script under runtime NAME
//
// NAME is one of node, node24, bun, deno (default: all). Installing node24 builds a Debian forky
// root and needs root, as RabbitMQ 4.3's does.
import { spawnSync } from 'node:child_process';
import { ensureRuntime, RUNTIME_NAMES } from './lib/runtimes.mjs';

const [verb, ...rest] = process.argv.slice(2);
if (verb === 'install') {
  for (const name of rest.length > 0 ? rest : RUNTIME_NAMES) {
    const r = await ensureRuntime(name);
    console.log(`${r.name}\t${r.product} ${r.version}\t${r.from}`);
  }
} else if (verb === 'run' && rest.length >= 2) {
  const [name, script, ...args] = rest;
  const { file, args: argv } = (await ensureRuntime(name)).command(script, args);
  const r = spawnSync(file, argv, { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
} else {
  console.error('usage: node scripts/runtimes.mjs install [node|node24|bun|deno ...] | run NAME SCRIPT [ARG...]');
  process.exitCode = 2;
}
