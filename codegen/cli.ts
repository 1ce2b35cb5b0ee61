#!/usr/bin/env node
/**
 * The `warren-codegen` bin: see run.ts (kept separate so tests run it in-process). The
 * generator's own dependencies are optional peers of the package (the client needs neither), so
 * they are checked first and a missing one is named with the command that installs it.
 */
const missing: string[] = [];
for (const dep of ['fast-xml-parser', 'ts-morph']) {
  try {
    await import(dep);
  } catch {
    missing.push(dep);
  }
}
if (missing.length > 0) {
  process.stderr.write(`warren-codegen needs ${missing.join(' and ')} (optional peer dependencies of warren): npm install --save-dev ${missing.join(' ')}\n`);
  process.exit(2);
}

const { main } = await import('./run.js');
process.exitCode = main(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
