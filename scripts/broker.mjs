#!/usr/bin/env node
// Throwaway RabbitMQ node for development and tests: a library and a CLI (plain ESM, no build).
//
//   node scripts/broker.mjs start [--no-tls] [--rabbitmq 3.10|4.3]
//       Starts a node, prints its amqp:// URL on stdout (and the amqps:// URL on a second line),
//       keeps it until SIGINT/SIGTERM, then stops it and removes its files.
//   node scripts/broker.mjs run [--no-tls] [--rabbitmq 3.10|4.3] -- <command...>
//       Runs the command with AMQP_URL (and AMQPS_URL) set, starting a node for it unless AMQP_URL
//       is already set; stops the node afterwards and exits with the command's code.
//   node scripts/broker.mjs cluster [--nodes 3] [--rabbitmq 3.10|4.3] [-- <command...>]
//       Starts that many nodes and clusters them (stop_app, reset, join_cluster, start_app); prints
//       one line per node on stdout: `<amqp url> <node name>`. With a command: runs it with
//       AMQP_URLS (space-separated URLs, node 1 first) and WARREN_CLUSTER (JSON: per node url,
//       nodeName, rabbitmqctl env and root), then stops the cluster. Without: keeps it until a signal.
//
// --rabbitmq (default: $WARREN_RABBITMQ, else 3.10) picks the broker: 3.10 is the host's Debian
// package (installed with apt-get when missing), 4.3 is Debian forky's, run in a root that is
// built once per machine with mmdebstrap (/var/cache/warren/rabbitmq-4.3; root only). The log
// (stderr) names the product and version the broker reports in connection.start.
//
// The command also gets WARREN_BROKER, a JSON description (URLs, node name, rabbitmqctl env and
// root, TLS file paths, versions) that test/helpers/global-setup.ts reuses instead of starting a
// second node. The implementation is in scripts/lib/ (broker.mjs, rabbitmq.mjs, root.mjs,
// node-tools.mjs, server-info.mjs, cluster.mjs, tls.mjs, apt.mjs).

import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker } from './lib/broker.mjs';
import { startCluster } from './lib/cluster.mjs';
import { parseRabbitmqVersion } from './lib/rabbitmq.mjs';
import { generateTlsFiles } from './lib/tls.mjs';

export { startBroker, createRabbitmqctl, createErlEval, freePorts, rabbitmqInstalled, RABBITMQ_BIN } from './lib/broker.mjs';
export { generateTlsFiles, issueClientCert } from './lib/tls.mjs';
export { parseRabbitmqVersion, RABBITMQ_VERSIONS } from './lib/rabbitmq.mjs';
export { startCluster } from './lib/cluster.mjs';

const USAGE =
  'usage: node scripts/broker.mjs start [--no-tls] [--rabbitmq 3.10|4.3]\n' +
  '       node scripts/broker.mjs run [--no-tls] [--rabbitmq 3.10|4.3] -- <command...>\n' +
  '       node scripts/broker.mjs cluster [--nodes 3] [--rabbitmq 3.10|4.3] [-- <command...>]';

/** Starts a node (with TLS unless told not to) and returns it with a cleanup for its certificates. */
async function startWithTls(useTls, rabbitmq) {
  const tlsFiles = useTls ? generateTlsFiles() : undefined;
  const removeTls = () => {
    if (tlsFiles) rmSync(tlsFiles.dir, { recursive: true, force: true });
  };
  process.once('exit', removeTls);
  try {
    const broker = await startBroker({
      // This CLI handles signals itself: it stops the node after the command has exited.
      handleSignals: false,
      rabbitmq,
      tls: tlsFiles && { cacertfile: tlsFiles.caCert, certfile: tlsFiles.serverCert, keyfile: tlsFiles.serverKey },
    });
    const description = {
      amqpUrl: broker.url,
      amqpsUrl: broker.tlsUrl ?? null,
      nodeName: broker.nodeName,
      rabbitmqctlEnv: broker.env,
      rabbitmqRoot: broker.root,
      rabbitmqVersion: broker.rabbitmq,
      server: broker.server,
      tlsFiles: tlsFiles ?? null,
    };
    return { broker, description, removeTls };
  } catch (error) {
    removeTls();
    throw error;
  }
}

function waitForSignal() {
  return new Promise((resolveSignal) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, () => resolveSignal(signal));
  });
}

/** A shell command line that runs rabbitmqctl against the node, for the log. */
function rabbitmqctlHint({ env, root, nodeName }) {
  const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ');
  const ctl = `/usr/lib/rabbitmq/bin/rabbitmqctl -n ${nodeName} status`;
  return root
    ? `env ${vars} unshare -m --propagation private sh -c 'mount -t proc proc ${root}/proc && mount --rbind /dev ${root}/dev && chroot ${root} ${ctl}'`
    : `env ${vars} ${ctl}`;
}

async function cmdStart(flags) {
  const signal = waitForSignal();
  const { broker, description, removeTls } = await startWithTls(!flags.noTls, flags.rabbitmq);
  process.stdout.write(`${broker.url}\n${broker.tlsUrl ? `${broker.tlsUrl}\n` : ''}`);
  process.stderr.write(
    `[broker] node ${broker.nodeName}: ${broker.server.product} ${broker.server.version}; rabbitmqctl: ${rabbitmqctlHint(broker)}\n` +
      `[broker] WARREN_BROKER='${JSON.stringify(description)}'\n[broker] Ctrl-C stops it\n`,
  );
  await signal;
  await broker.stop();
  removeTls();
  return 0;
}

/** Runs `command` with `env`; resolves to its exit code (signals passed on to it). */
async function runChild(command, env, signal) {
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env });
  // Pass our signals on so the command can shut down; we stop the broker when it has exited.
  signal.then((name) => child.kill(name));
  return new Promise((resolveCode) => {
    child.once('error', (error) => {
      process.stderr.write(`[broker] cannot run ${command[0]}: ${error.message}\n`);
      resolveCode(127);
    });
    child.once('exit', (exitCode, exitSignal) => {
      const signals = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
      resolveCode(exitCode ?? 128 + (signals[exitSignal] ?? 1));
    });
  });
}

async function cmdCluster(flags, command) {
  const signal = waitForSignal();
  const cluster = await startCluster({ nodes: flags.nodes, rabbitmq: flags.rabbitmq, handleSignals: false });
  try {
    process.stdout.write(cluster.nodes.map((node) => `${node.url} ${node.nodeName}\n`).join(''));
    for (const node of cluster.nodes) process.stderr.write(`[cluster] ${node.nodeName}: rabbitmqctl: ${rabbitmqctlHint(node)}\n`);
    if (command.length === 0) {
      process.stderr.write('[cluster] Ctrl-C stops it\n');
      await signal;
      return 0;
    }
    const description = {
      rabbitmqVersion: cluster.rabbitmq,
      server: cluster.server,
      nodes: cluster.nodes.map((node) => ({ url: node.url, nodeName: node.nodeName, rabbitmqctlEnv: node.env, rabbitmqRoot: node.root })),
    };
    return await runChild(command, { ...process.env, AMQP_URLS: cluster.nodes.map((node) => node.url).join(' '), WARREN_CLUSTER: JSON.stringify(description) }, signal);
  } finally {
    await cluster.stop();
  }
}

async function cmdRun(flags, command) {
  if (command.length === 0) throw new Error(`run needs a command after --\n${USAGE}`);
  const childEnv = { ...process.env };
  let cleanup = async () => {};
  const signal = waitForSignal();
  if (!process.env.AMQP_URL) {
    const { broker, description, removeTls } = await startWithTls(!flags.noTls, flags.rabbitmq);
    Object.assign(childEnv, { AMQP_URL: broker.url, WARREN_BROKER: JSON.stringify(description), WARREN_RABBITMQ: broker.rabbitmq });
    if (broker.tlsUrl) childEnv.AMQPS_URL = broker.tlsUrl;
    cleanup = async () => {
      await broker.stop();
      removeTls();
    };
  }
  const code = await runChild(command, childEnv, signal);
  await cleanup();
  return code;
}

/** Parses the options before `--`: --no-tls, --rabbitmq V (or --rabbitmq=V), --nodes N. */
function parseFlags(args) {
  const flags = { noTls: false, rabbitmq: parseRabbitmqVersion(process.env.WARREN_RABBITMQ), nodes: 3 };
  for (let i = 0; i < args.length; i++) {
    const [name, inline] = args[i].split(/=(.*)/s);
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new Error(`${name} needs a value\n${USAGE}`);
      return v;
    };
    if (name === '--no-tls' && inline === undefined) flags.noTls = true;
    else if (name === '--rabbitmq') flags.rabbitmq = parseRabbitmqVersion(value());
    else if (name === '--nodes') {
      flags.nodes = Number(value());
      if (!Number.isInteger(flags.nodes) || flags.nodes < 1) throw new Error(`--nodes takes a positive integer\n${USAGE}`);
    } else throw new Error(`unknown option ${args[i]}\n${USAGE}`);
  }
  return flags;
}

async function main(argv) {
  const [subcommand, ...rest] = argv;
  const dashdash = rest.indexOf('--');
  const flags = parseFlags(dashdash === -1 ? rest : rest.slice(0, dashdash));
  const command = dashdash === -1 ? [] : rest.slice(dashdash + 1);
  if (subcommand === 'start') return cmdStart(flags);
  if (subcommand === 'run') return cmdRun(flags, command);
  if (subcommand === 'cluster') return cmdCluster(flags, command);
  throw new Error(USAGE);
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  // An uncaught error exits through process.exit, which fires startBroker's 'exit' hook: the node's
  // process group is killed and its directory removed even then.
  process.on('uncaughtException', (error) => {
    process.stderr.write(`[broker] ${error.stack ?? error}\n`);
    process.exit(1);
  });
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`[broker] ${error.message}\n`);
      process.exit(1);
    },
  );
}
