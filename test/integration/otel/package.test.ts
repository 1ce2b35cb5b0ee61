// warren/otel as a user gets it: the package built with tsup (ESM and CommonJS), installed under
// node_modules/warren with this package.json's exports map, then `require('warren/otel')` and
// `import 'warren/otel'` in plain Node processes that publish and consume against the broker
// with the OpenTelemetry SDK: both must give a publish and a process span in one trace.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { amqpUrl } from '../../helpers/broker.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const dir = `${root}.tmp/otel-package-${process.pid}`;
const pkg = `${dir}/node_modules/warren`;

beforeAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(pkg, { recursive: true });
  cpSync(`${root}package.json`, `${pkg}/package.json`);
  // A package scope of its own: otherwise `warren` from a script here resolves, by Node's package
  // self-reference, to the repository's package.json and its dist/ (absent on a clean clone).
  writeFileSync(`${dir}/package.json`, '{ "private": true }\n');
  await build({
    config: false,
    entry: { index: `${root}runtime/index.ts`, otel: `${root}runtime/otel/index.ts` },
    format: ['esm', 'cjs'],
    outDir: `${pkg}/dist`,
    target: 'node20',
    dts: false,
    silent: true,
    external: ['@opentelemetry/api'],
  });
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The same script for both module systems; `load` is how each gets its modules.
const body = (load: string) => `
${load}
const { context, propagation } = api;
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const uninstrument = instrument({ tracerProvider });
const connection = await connect(process.env.AMQP_URL);
const ch = await connection.channel();
const { queue } = await ch.queueDeclare('', { exclusive: true });
const done = new Promise((resolve) => ch.consume(queue, (m) => { m.ack(); resolve(); }));
await ch.sendToQueue(queue, 'hello');
await done;
await connection.close();
uninstrument();
const spans = exporter.getFinishedSpans().map((s) => ({ name: s.name, trace: s.spanContext().traceId, id: s.spanContext().spanId, parent: s.parentSpanContext?.spanId }));
console.log(JSON.stringify(spans));
`;

function run(file: string, code: string): { name: string; trace: string; id: string; parent?: string }[] {
  writeFileSync(`${dir}/${file}`, code);
  const out = execFileSync(process.execPath, [`${dir}/${file}`], { cwd: dir, encoding: 'utf8', env: { ...process.env, AMQP_URL: amqpUrl() }, timeout: 60_000 });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

function expectOneTrace(spans: ReturnType<typeof run>): void {
  const publish = spans.find((s) => s.name === 'publish amq.default');
  const process = spans.find((s) => s.name.startsWith('process '));
  expect(publish).toBeDefined();
  expect(process).toMatchObject({ trace: publish!.trace, parent: publish!.id });
}

it('the exports map names the files the build makes', () => {
  const exports = JSON.parse(readFileSync(`${root}package.json`, 'utf8')).exports['./otel'];
  expect(exports).toEqual({ import: { types: './dist/otel.d.ts', default: './dist/otel.js' }, require: { types: './dist/otel.d.cts', default: './dist/otel.cjs' } });
});

it('works under CommonJS: require("warren/otel")', () => {
  expectOneTrace(run('traced.cjs', `(async () => {${body(`
const { connect } = require('warren');
const { instrument } = require('warren/otel');
const api = require('@opentelemetry/api');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
const { W3CTraceContextPropagator } = require('@opentelemetry/core');
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');`)}})().catch((e) => { console.error(e); process.exit(1); });`));
}, 90_000);

it('works under ESM: import "warren/otel"', () => {
  expectOneTrace(run('traced.mjs', body(`
import { connect } from 'warren';
import { instrument } from 'warren/otel';
import * as api from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';`)));
}, 90_000);

it('the core never loads @opentelemetry/api (an optional peer): warren imports with a throwing stub of it in the way', () => {
  // A second install whose @opentelemetry/api throws when loaded: `warren` must import under both
  // module systems, and `warren/otel` must reach the stub (the proof the stub is the one resolved).
  const core = `${dir}/core-only`;
  mkdirSync(`${core}/node_modules/@opentelemetry/api`, { recursive: true });
  cpSync(pkg, `${core}/node_modules/warren`, { recursive: true });
  writeFileSync(`${core}/package.json`, '{ "private": true }\n');
  writeFileSync(`${core}/node_modules/@opentelemetry/api/package.json`, JSON.stringify({ name: '@opentelemetry/api', version: '1.9.0', main: 'index.js', exports: { '.': { import: './index.mjs', require: './index.js' } } }));
  writeFileSync(`${core}/node_modules/@opentelemetry/api/index.js`, "throw new Error('@opentelemetry/api loaded');\n");
  writeFileSync(`${core}/node_modules/@opentelemetry/api/index.mjs`, "throw new Error('@opentelemetry/api loaded');\n");
  const node = (file: string, code: string) => {
    writeFileSync(`${core}/${file}`, code);
    return execFileSync(process.execPath, [`${core}/${file}`], { cwd: core, encoding: 'utf8', timeout: 60_000 }).trim();
  };
  const probe = (load: string) => `${load}
  const otel = await import('warren/otel').then(() => 'loaded', (e) => String(e.message));
  console.log(JSON.stringify({ connect: typeof warren.connect, otel }));`;
  const expected = { connect: 'function', otel: expect.stringContaining('@opentelemetry/api') }; // loaded (CJS) or not linked (ESM)
  expect(JSON.parse(node('core.mjs', probe("import * as warren from 'warren';")))).toEqual(expected);
  expect(JSON.parse(node('core.cjs', `(async () => { ${probe("const warren = require('warren');")} })().catch((e) => { console.error(e); process.exit(1); });`))).toEqual(expected);
}, 90_000);
