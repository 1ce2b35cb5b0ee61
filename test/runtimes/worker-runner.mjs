// Runs a bundled Worker in workerd through miniflare (run by Node 24: miniflare 4 needs Node 22
// or later) and prints its answer to one request as JSON: `{ status, body }`. Environment:
// WORKER_BUNDLE (the ES module Worker), MINIFLARE_DIR (where scripts/lib/runtimes.mjs installed
// miniflare), AMQP_URL (bound as env.AMQP_URL), WORKER_QUERY (the request's query string).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const require = createRequire(`${env('MINIFLARE_DIR')}/`);
const { Miniflare } = await import(pathToFileURL(require.resolve('miniflare')).href);
const mf = new Miniflare({
  modules: true,
  scriptPath: env('WORKER_BUNDLE'),
  // No nodejs_compat: warren's workerd build must load without it.
  compatibilityDate: '2026-07-01',
  bindings: { AMQP_URL: env('AMQP_URL') },
});
try {
  const response = await mf.dispatchFetch(`http://worker.test/?${process.env.WORKER_QUERY ?? ''}`);
  console.log(JSON.stringify({ status: response.status, body: await response.text() }));
} finally {
  await mf.dispose();
}
