#!/usr/bin/env node
/** The `warren-codegen` bin: see run.ts (kept separate so tests run it in-process). */
import { main } from './run.js';

process.exitCode = main(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
