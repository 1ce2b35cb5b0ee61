#!/usr/bin/env node
// Throwaway RabbitMQ node for development and tests: a library and a CLI (plain ESM, no build).
//
//   node scripts/broker.mjs start [--no-tls]
//       Starts a node, prints its amqp:// URL on stdout (and the amqps:// URL on a second line),
//       keeps it until SIGINT/SIGTERM, then stops it and removes its files.
//   node scripts/broker.mjs run [--no-tls] -- <command...>
//       Runs the command with AMQP_URL (and AMQPS_URL) set, starting a node for it unless AMQP_URL
//       is already set; stops the node afterwards and exits with the command's code.
//
// The command also gets WARREN_BROKER, a JSON description (URLs, node name, rabbitmqctl env, TLS
// file paths) that test/helpers/global-setup.ts reuses instead of starting a second node.
// The implementation is in scripts/lib/ (broker.mjs, tls.mjs, apt.mjs).

import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker } from './lib/broker.mjs';
import { generateTlsFiles } from './lib/tls.mjs';

export { startBroker, createRabbitmqctl, createErlEval, freePorts, rabbitmqInstalled, RABBITMQ_BIN } from './lib/broker.mjs';
export { generateTlsFiles, issueClientCert } from './lib/tls.mjs';

const USAGE = 'usage: node scripts/broker.mjs start [--no-tls] | run [--no-tls] -- <command...>';

/** Starts a node (with TLS unless told not to) and returns it with a cleanup for its certificates. */
async function startWithTls(useTls) {
  const tlsFiles = useTls ? generateTlsFiles() : undefined;
  const removeTls = () => {
    if (tlsFiles) rmSync(tlsFiles.dir, { recursive: true, force: true });
  };
  process.once('exit', removeTls);
  try {
    const broker = await startBroker({
      // This CLI handles signals itself: it stops the node after the command has exited.
      handleSignals: false,
      tls: tlsFiles && { cacertfile: tlsFiles.caCert, certfile: tlsFiles.serverCert, keyfile: tlsFiles.serverKey },
    });
    const description = {
      amqpUrl: broker.url,
      amqpsUrl: broker.tlsUrl ?? null,
      nodeName: broker.nodeName,
      rabbitmqctlEnv: broker.env,
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

async function cmdStart(flags) {
  const signal = waitForSignal();
  const { broker, description, removeTls } = await startWithTls(!flags.includes('--no-tls'));
  process.stdout.write(`${broker.url}\n${broker.tlsUrl ? `${broker.tlsUrl}\n` : ''}`);
  process.stderr.write(
    `[broker] node ${broker.nodeName}; rabbitmqctl: env ${Object.entries(broker.env).map(([k, v]) => `${k}=${v}`).join(' ')} ` +
      `/usr/lib/rabbitmq/bin/rabbitmqctl -n ${broker.nodeName} status\n` +
      `[broker] WARREN_BROKER='${JSON.stringify(description)}'\n[broker] Ctrl-C stops it\n`,
  );
  await signal;
  await broker.stop();
  removeTls();
  return 0;
}

async function cmdRun(flags, command) {
  if (command.length === 0) throw new Error(`run needs a command after --\n${USAGE}`);
  const childEnv = { ...process.env };
  let cleanup = async () => {};
  const signal = waitForSignal();
  if (!process.env.AMQP_URL) {
    const { broker, description, removeTls } = await startWithTls(!flags.includes('--no-tls'));
    Object.assign(childEnv, { AMQP_URL: broker.url, WARREN_BROKER: JSON.stringify(description) });
    if (broker.tlsUrl) childEnv.AMQPS_URL = broker.tlsUrl;
    cleanup = async () => {
      await broker.stop();
      removeTls();
    };
  }
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env: childEnv });
  // Pass our signals on so the command can shut down; we stop the node when it has exited.
  signal.then((name) => child.kill(name));
  const code = await new Promise((resolveCode) => {
    child.once('error', (error) => {
      process.stderr.write(`[broker] cannot run ${command[0]}: ${error.message}\n`);
      resolveCode(127);
    });
    child.once('exit', (exitCode, exitSignal) => {
      const signals = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
      resolveCode(exitCode ?? 128 + (signals[exitSignal] ?? 1));
    });
  });
  await cleanup();
  return code;
}

async function main(argv) {
  const [subcommand, ...rest] = argv;
  const dashdash = rest.indexOf('--');
  const flags = dashdash === -1 ? rest : rest.slice(0, dashdash);
  const command = dashdash === -1 ? [] : rest.slice(dashdash + 1);
  const unknown = flags.filter((flag) => flag !== '--no-tls');
  if (unknown.length > 0) throw new Error(`unknown option ${unknown[0]}\n${USAGE}`);
  if (subcommand === 'start') return cmdStart(flags);
  if (subcommand === 'run') return cmdRun(flags, command);
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
