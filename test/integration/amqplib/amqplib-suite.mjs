#!/usr/bin/env node
// Runs amqplib's own public-API tests (channel API, callback API, connect and URL handling) with
// `require('amqplib')` pointed at warren/amqplib.
//
// Where the tests come from: amqplib's npm tarballs up to 2.2.0 ship its test/ folder; from 2.2.1
// on they do not (its CHANGELOG: "the published package no longer includes tests"), and this
// machine reaches the npm registry but not GitHub. So package.json has the devDependency
// `amqplib-test-suite: npm:amqplib@2.2.0` (pinned, with its integrity in package-lock.json), and
// this script copies the test files out of it at run time: nothing of amqplib is committed. The
// amqplib that warren/amqplib is compared with (and benchmarked against) is the 2.3.1 in
// node_modules/amqplib; docs/amqplib.md lists what 2.2.1-2.3.1 changed in these tests.
//
// The sandbox is amqplib's package layout in a temp dir: test/ as shipped; channel_api.js and
// callback_api.js re-export warren/amqplib (the TypeScript sources, through tsx); lib/connect.js
// is the low-level `connect(url, socketOptions, cb)` those tests call, on warren/amqplib too;
// lib/credentials.js is warren/amqplib's; the rest of lib/ (defs, codec, frame...) is amqplib's,
// used only by the tests' scripted fake server (test/lib/util.js runServer), never by the client.
//
//   node test/integration/amqplib/amqplib-suite.mjs URL [test files...]
// prints node:test's TAP on stdout and exits with its status.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const require = createRequire(join(root, 'package.json'));

/** The public-API test files (not codec, frame, mux, bitset, connection internals, recovery internals). */
export const SUITE_FILES = ['channel_api.test.js', 'callback_api.test.js', 'connect.test.js'];

/**
 * amqplib tests not run, each with why: where warren/amqplib differs on purpose (docs/amqplib.md
 * lists these), or where this machine cannot host the test.
 */
export const NOT_RUN = {
  // A channel error with no 'error' listener: amqplib throws it out of its socket handler (the
  // process dies unless a domain catches it, which is what these tests check); warren/amqplib
  // does not throw, the operation's callback gets the error and the channel emits 'close'.
  'Get from non-queue invokes error': 'deliberate: no throw for an unlistened channel error',
  'Consume from non-queue invokes error': 'deliberate: no throw for an unlistened channel error',
  // Callbacks run on process.nextTick after a promise settles; an exception thrown by the
  // createChannel callback does not reach the node:domain (deprecated) entered around connect().
  'Channel open callback throws an error': 'domain propagation of the createChannel callback',
  // The fake server sends connection.close during the handshake and waits for the client to end
  // the TCP connection; warren answers close-ok and waits for the server to close it, as RabbitMQ
  // does (reported to the lead: warren's core, not this layer).
  'closes underlying connection on authentication error': 'warren waits for the server to close the socket after a handshake close',
  // The test broker listens on 127.0.0.1 only.
  ipv6: 'environment: no broker on [::1]',
};

/** Builds the sandbox; returns its directory. */
export function sandbox() {
  const pkg = join(dirname(require.resolve('amqplib-test-suite')), '.'); // its main, channel_api.js, sits at the package root
  const dir = mkdtempSync(join(tmpdir(), 'warren-amqplib-suite-'));
  cpSync(join(pkg, 'test'), join(dir, 'test'), { recursive: true });
  cpSync(join(pkg, 'lib'), join(dir, 'lib'), { recursive: true });
  cpSync(join(pkg, 'package.json'), join(dir, 'package.json'));
  const compat = JSON.stringify(join(root, 'runtime/amqplib/index.ts'));
  const callback = JSON.stringify(join(root, 'runtime/amqplib/callback-api.ts'));
  // amqplib's tests expect a broker at amqp://localhost (5672); the test broker is elsewhere. The
  // shims map that default address, and only it, to $URL (a port given in a test is kept).
  const local = `const target = new URL(process.env.URL);
function local(url) {
  if (url === undefined || url === null || url === false) return process.env.URL;
  if (typeof url === 'string') return url.replace(/^amqp:\\/\\/localhost(?=[/?]|$)/, 'amqp://' + target.host);
  if (typeof url === 'object' && (url.hostname === undefined || url.hostname === 'localhost') && url.port === undefined) return { ...url, hostname: target.hostname, port: Number(target.port) };
  return url;
}
`;
  writeFileSync(join(dir, 'channel_api.js'), `${local}const api = require(${compat});\nmodule.exports = { ...api, connect: (url, options) => api.connect(local(url), options) };\n`);
  writeFileSync(
    join(dir, 'callback_api.js'),
    `${local}const api = require(${callback});
module.exports = {
  ...api,
  connect(url, options, cb) {
    if (typeof url === 'function') return api.connect(local(undefined), url);
    if (typeof options === 'function') return api.connect(local(url), options);
    return api.connect(local(url), options, cb);
  },
};
`,
  );
  // Preloaded into each test process: node:test's it() skips the tests of NOT_RUN, with the reason
  // (Node 20 has no --test-skip-pattern, and --test-name-pattern runs a matching suite whole).
  writeFileSync(
    join(dir, 'skip.cjs'),
    `const t = require('node:test');
const notRun = ${JSON.stringify(NOT_RUN)};
const it = t.it;
const skipping = (name, ...rest) => (Object.hasOwn(notRun, name) ? it.skip(name + ' (not run: ' + notRun[name] + ')', ...rest) : it(name, ...rest));
Object.assign(skipping, it);
t.it = t.test = skipping;
`,
  );
  writeFileSync(join(dir, 'lib/credentials.js'), `module.exports = require(${compat}).credentials;\n`);
  // amqplib's internal connect(url, socketOptions, cb): what connect.test.js and uri_spec.test.js call.
  // Its callback gets a connection with serverProperties, heartbeat and close(cb), built on warren/amqplib.
  writeFileSync(
    join(dir, 'lib/connect.js'),
    `${local}const callbackApi = require(${callback});
function connect(url, socketOptions, cb) {
  callbackApi.connect(local(url), socketOptions || {}, (err, model) => {
    if (err) return cb(err);
    const c = model.connection;
    cb(null, {
      get serverProperties() { return c.serverProperties; },
      get heartbeat() { return c.heartbeat; },
      get frameMax() { return c.frameMax; },
      get channelMax() { return c.channelMax; },
      close(k) { model.close((e) => k && k(e || undefined)); },
    });
  });
}
module.exports = { connect };
`,
  );
  return dir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [url, ...files] = process.argv.slice(2);
  if (!url) throw new Error('usage: amqplib-suite.mjs URL [test files...]');
  const dir = sandbox();
  try {
    const tsx = require.resolve('tsx');
    // Node 20's --test-timeout also bounds each test *file* as a whole: at 20 s, channel_api.test.js
    // (29 tests) failed as a file ("test timed out after 20000ms", failureType testTimeoutFailure)
    // on a loaded CI machine while every one of its tests passed. 60 s per test and per file still
    // ends a hung test well within the caller's limits (240 s for the three files here).
    const r = spawnSync(process.execPath, ['--import', tsx, '--test', '--test-reporter=tap', '--test-timeout=60000', '--test-concurrency=1', '--require', join(dir, 'skip.cjs'), ...(files.length ? files : SUITE_FILES).map((f) => join('test', f))], {
      cwd: dir,
      env: { ...process.env, URL: url },
      stdio: 'inherit',
    });
    const status = r.status ?? 1;
    process.exitCode = status;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
