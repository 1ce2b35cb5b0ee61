// A throwaway RabbitMQ node for tests, started from Debian's rabbitmq-server package: the host's
// (3.10) or a newer one in a root of its own (4.3; see ./rabbitmq.mjs and ./root.mjs).
//
// Theory of operation
// - The node runs as the current user from the scripts in /usr/lib/rabbitmq/bin (the wrappers in
//   /usr/sbin switch to the `rabbitmq` user and the system node's files). Everything the node
//   writes lives in one private temp dir (under the root's /tmp for a version run in a root): HOME (with its own .erlang.cookie, which rabbitmqctl
//   reads too), mnesia, logs, the enabled-plugins file, rabbitmq.conf and an empty
//   rabbitmq-env.conf (so /etc/rabbitmq/rabbitmq-env.conf cannot change ports or names).
// - Names and ports never collide with a system node on 5672 or with other test runs: the node
//   name is warren-<pid>-<random>@localhost and the AMQP, TLS and Erlang distribution ports are
//   free ports found by binding port 0. epmd stays the machine's shared one on its default port
//   (4.x: a port of its own, shared by the 4.x nodes), which serves any number of nodes. Every
//   listener is on 127.0.0.1 only. Once ready, the node's connection.start tells which product
//   and version it is, and the log says so.
// - States: installing? → booting → ready → stopping → stopped. Booting ends when the AMQP port
//   accepts TCP and `await_startup` (rabbit:await_startup/1, as the CLI calls it) succeeds, or fails on a deadline (90 s by default),
//   on the node's exit, or on its log reporting a port taken meanwhile (then we retry on new ports).
// - Cleanup is layered, because a leaked node keeps ~150 MB and CPU for the rest of the machine's
//   life: stop() asks `rabbitmqctl stop`, waits for the VM, then kills its process group; an
//   'exit' hook kills the group synchronously if the launcher ends without stop() (uncaught
//   exception, process.exit); a SIGINT/SIGTERM/SIGHUP hook runs stop() (unless the caller
//   handles signals itself); and a tiny detached shell watchdog kills the group and removes the
//   dir if the launcher dies by SIGKILL, which runs no JavaScript at all.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, createErlEval, createRabbitmqctl, RABBITMQ_BIN } from './node-tools.mjs';
import { insidePath, launch, prepareRabbitmq } from './rabbitmq.mjs';
import { serverProperties } from './server-info.mjs';

export { RABBITMQ_BIN, createRabbitmqctl, createErlEval } from './node-tools.mjs';

const DEFAULT_START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 15_000;
const MAX_PORT_RETRIES = 3;

const defaultLog = (line) => process.stderr.write(`[broker] ${line}\n`);

/** Finds `count` distinct free TCP ports on 127.0.0.1 by binding port 0, all held at once. */
export async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, resolve);
      });
    }
    return servers.map((server) => server.address().port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(() => resolve()))));
  }
}


function tail(file, lines = 60) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${file})`;
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function tcpAccepts(port) {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function configFile({ port, tlsPort, tls }) {
  const lines = [
    '# Written by scripts/lib/broker.mjs for a throwaway test node.',
    `listeners.tcp.default = 127.0.0.1:${port}`,
    // The node's log file is what we print when boot fails; the console would go to our pipe.
    'log.file.level = info',
    'log.console = false',
  ];
  if (tls) {
    lines.push(
      `listeners.ssl.default = 127.0.0.1:${tlsPort}`,
      `ssl_options.cacertfile = ${tls.cacertfile}`,
      `ssl_options.certfile = ${tls.certfile}`,
      `ssl_options.keyfile = ${tls.keyfile}`,
      // Ask for a client certificate (EXTERNAL needs it) without demanding one (PLAIN over TLS).
      'ssl_options.verify = verify_peer',
      'ssl_options.fail_if_no_peer_cert = false',
      'auth_mechanisms.1 = PLAIN',
      'auth_mechanisms.2 = AMQPLAIN',
      'auth_mechanisms.3 = EXTERNAL',
      // EXTERNAL logs in as the certificate's CN (default would be the whole DN).
      'ssl_cert_login_from = common_name',
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Starts a private RabbitMQ node and resolves once it accepts AMQP connections.
 *
 * @param {import('./broker.d.mts').StartBrokerOptions} [options]
 * @returns {Promise<import('./broker.d.mts').Broker>}
 */
export async function startBroker(options = {}) {
  const log = options.log ?? defaultLog;
  const runtime = await prepareRabbitmq({ version: options.rabbitmq, log });
  let lastError;
  for (let attempt = 1; attempt <= MAX_PORT_RETRIES; attempt++) {
    try {
      return await startOnce(options, log, runtime);
    } catch (error) {
      lastError = error;
      if (!error.portTaken) throw error;
      log(`a port was taken while the node booted (attempt ${attempt}); retrying on new ports`);
    }
  }
  throw lastError;
}

async function startOnce(options, log, runtime) {
  const started = Date.now();
  const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const plugins = [...(options.plugins ?? [])];
  if (options.tls) plugins.push('rabbitmq_auth_mechanism_ssl');
  const { root } = runtime;

  // `dir` is the host's path; `inside` is the same directory as the node sees it.
  const dir = mkdtempSync(join(root ? join(root, 'tmp') : tmpdir(), 'warren-broker-'));
  const inside = insidePath(root, dir);
  const home = join(dir, 'home');
  for (const sub of ['home', 'mnesia', 'log']) mkdirSync(join(dir, sub), { recursive: true });
  // Erlang refuses a cookie file readable by others.
  writeFileSync(join(home, '.erlang.cookie'), options.cookie ?? randomBytes(16).toString('hex').toUpperCase(), { mode: 0o400 });
  writeFileSync(join(dir, 'enabled_plugins'), `[${[...new Set(plugins)].join(',')}].\n`);
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
  let tls = options.tls;
  if (tls && root) {
    // A node in a root sees only the root: its certificate files are copied into its directory.
    mkdirSync(join(dir, 'tls'));
    tls = Object.fromEntries(
      Object.entries(tls).map(([key, file]) => {
        copyFileSync(file, join(dir, 'tls', `${key}.pem`));
        return [key, join(inside, 'tls', `${key}.pem`)];
      }),
    );
  }

  const [port, distPort, tlsPort] = await freePorts(options.tls ? 3 : 2);
  writeFileSync(join(dir, 'rabbitmq.conf'), configFile({ port, tlsPort, tls }) + (options.config ?? []).map((l) => `${l}\n`).join(''));

  const nodeName = `${options.namePrefix ?? 'warren'}-${process.pid}-${randomBytes(3).toString('hex')}@localhost`;
  const env = {
    HOME: join(inside, 'home'),
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(inside, 'mnesia'),
    RABBITMQ_LOG_BASE: join(inside, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(inside, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(inside, 'rabbitmq.conf'),
    // Never created: an existing /etc/rabbitmq/advanced.config must not apply to us.
    RABBITMQ_ADVANCED_CONFIG_FILE: join(inside, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: join(inside, 'rabbitmq-env.conf'),
    ...runtime.env,
  };
  if (!root && process.env.ERL_EPMD_PORT) env.ERL_EPMD_PORT = process.env.ERL_EPMD_PORT;
  const serverEnv = {
    ...cleanEnv(),
    ...env,
    // Keep Erlang distribution on loopback as well: tests must not listen on other interfaces.
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };

  const stdoutFile = join(dir, 'log', 'server-stdout.log');
  const nodeLogFile = join(dir, 'log', `${nodeName}.log`);
  const outFd = openSync(stdoutFile, 'a');
  // detached: the node gets its own process group, so one kill reaches the VM and its helpers,
  // and a Ctrl-C in the launcher's terminal does not hit the node before we can stop it cleanly.
  const serverCommand = launch(root, join(runtime.bin, 'rabbitmq-server'), []);
  const child = spawn(serverCommand.file, serverCommand.args, { env: serverEnv, detached: true, stdio: ['ignore', outFd, outFd] });
  closeSync(outFd);
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
    child.once('error', (error) => {
      exited = { code: null, signal: null, error };
      resolve(exited);
    });
  });
  const pgid = child.pid;

  // SIGKILL of the launcher runs no JS: this shell notices within 2 s and cleans up after it.
  const watchdog = spawn(
    '/bin/sh',
    ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done; kill -KILL -${pgid} 2>/dev/null; sleep 1; rm -rf '${dir}'`],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();

  let stopped = false;
  const killNow = () => {
    if (stopped) return;
    stopped = true;
    try { process.kill(-pgid, 'SIGKILL'); } catch { /* already gone */ }
    try { if (watchdog.pid) process.kill(watchdog.pid, 'SIGKILL'); } catch { /* already gone */ }
    try { rmSync(dir, { recursive: true, force: true }); } catch { /* best effort while exiting */ }
  };
  const signals = options.handleSignals === false ? [] : ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const onSignal = (signal) => {
    for (const name of signals) process.removeListener(name, onSignal);
    // Re-raise only when nobody else handles the signal, so the host's behaviour stays its own.
    const reRaise = process.listenerCount(signal) === 0;
    stop().finally(() => {
      if (reRaise) process.kill(process.pid, signal);
    });
  };
  const removeHooks = () => {
    process.removeListener('exit', killNow);
    for (const signal of signals) process.removeListener(signal, onSignal);
  };
  process.on('exit', killNow);
  for (const signal of signals) process.on(signal, onSignal);

  const rabbitmqctl = createRabbitmqctl({ nodeName, env, root });
  const evalErlang = createErlEval({ nodeName, env, root });

  let stopping;
  const stop = () => (stopping ??= stopGracefully());
  const stopGracefully = async () => {
    if (stopped) return;
    const t0 = Date.now();
    if (!exited) {
      try {
        await createRabbitmqctl({ nodeName, env, root, timeoutMs: STOP_TIMEOUT_MS })('stop');
      } catch {
        /* the kill below covers a node that cannot be asked */
      }
      // `rabbitmqctl stop` returns before the VM has exited.
      let timer;
      await Promise.race([exitPromise, new Promise((resolve) => (timer = setTimeout(resolve, STOP_TIMEOUT_MS)))]);
      clearTimeout(timer);
    }
    killNow();
    removeHooks();
    log(`stopped ${nodeName} in ${Date.now() - t0} ms`);
  };

  const fail = async (message, extra = {}) => {
    const details =
      `${message}\n--- ${stdoutFile} (tail) ---\n${tail(stdoutFile)}\n` +
      `--- ${nodeLogFile} (tail) ---\n${tail(nodeLogFile)}`;
    const portTaken = /eaddrinuse|address already in use|could not start listener|failed to start ranch listener/i.test(
      `${tail(stdoutFile, 400)}\n${tail(nodeLogFile, 400)}`,
    );
    await stop();
    throw Object.assign(new Error(details), extra, { portTaken });
  };

  log(`starting ${nodeName} (RabbitMQ ${runtime.version}, package ${runtime.packageVersion}${root ? ` in ${root}` : ''}; amqp 127.0.0.1:${port}${options.tls ? `, amqps 127.0.0.1:${tlsPort}` : ''}, dist ${distPort}) in ${dir}`);
  const deadline = started + timeoutMs;
  // Poll the listener first: it is cheap, whereas each rabbitmqctl call boots an Erlang VM and
  // fails at once while the node is not yet registered with epmd.
  while (!(await tcpAccepts(port))) {
    if (exited) return fail(`RabbitMQ node ${nodeName} exited during boot (${JSON.stringify({ code: exited.code, signal: exited.signal, error: exited.error?.message })})`);
    if (Date.now() > deadline) return fail(`RabbitMQ node ${nodeName} did not open port ${port} within ${timeoutMs} ms`);
    await sleep(150);
  }
  const portOpenMs = Date.now() - started;
  try {
    const remaining = Math.max(5, Math.ceil((deadline - Date.now()) / 1000));
    // What `rabbitmqctl await_startup` calls, through erl_call: the CLI would boot a VM of its own
    // first (seconds, up to 20 s seen on a loaded 2-core machine), for every node of a cluster.
    const result = await createErlEval({ nodeName, env, root, timeoutMs: remaining * 1000 + 5_000 })(`rabbit:await_startup(${remaining * 1000})`);
    if (result !== 'ok') throw new Error(`rabbit:await_startup returned ${result}`);
  } catch (error) {
    return fail(`RabbitMQ node ${nodeName} did not finish booting: ${error.message}`);
  }
  let server;
  try {
    server = await serverProperties({ port });
  } catch (error) {
    return fail(`RabbitMQ node ${nodeName} is up but its AMQP listener did not say what it is: ${error.message}`);
  }
  const startMs = Date.now() - started;
  log(`${nodeName} ready in ${startMs} ms (AMQP port open after ${portOpenMs} ms): ${server.product} ${server.version} on ${server.platform}`);

  return {
    url: `amqp://guest:guest@127.0.0.1:${port}/`,
    tlsUrl: options.tls ? `amqps://guest:guest@127.0.0.1:${tlsPort}/` : undefined,
    nodeName,
    port,
    tlsPort: options.tls ? tlsPort : undefined,
    distPort,
    dir,
    env,
    root,
    rabbitmq: runtime.version,
    server: { product: server.product, version: server.version, platform: server.platform },
    startMs,
    rabbitmqctl,
    evalErlang,
    stop,
  };
}

/** True when the host's RabbitMQ installation (3.10) is present. */
export function rabbitmqInstalled() {
  return existsSync(join(RABBITMQ_BIN, 'rabbitmq-server'));
}
