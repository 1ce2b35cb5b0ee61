// The command-line tools of a running node: rabbitmqctl and erl_call, on the host (3.10) or in
// the node's root (4.3, see ./rabbitmq.mjs), with the node's private environment.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { launch } from './rabbitmq.mjs';

/** Where Debian's package puts the real (non-wrapper) scripts; overridable for other layouts. */
export const RABBITMQ_BIN = process.env.WARREN_RABBITMQ_BIN || '/usr/lib/rabbitmq/bin';

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Returns a function that runs `rabbitmqctl -n nodeName ...args` with the node's environment and
 * resolves to its stdout; it rejects with the exit code and stderr in the message. With `root`,
 * rabbitmqctl runs in that root (the node's version), as the node does.
 *
 * @param {{ nodeName: string, env: Record<string, string>, root?: string | null, timeoutMs?: number }} target
 */
export function createRabbitmqctl({ nodeName, env, root = null, timeoutMs = 60_000 }) {
  return (...args) =>
    new Promise((resolve, reject) => {
      const { file, args: argv } = launch(root, join(root ? '/usr/lib/rabbitmq/bin' : RABBITMQ_BIN, 'rabbitmqctl'), ['-n', nodeName, ...args.map(String)]);
      execFile(
        file,
        argv,
        { env: { ...cleanEnv(), ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error) {
            const code = error.killed ? `timed out after ${timeoutMs} ms` : `exit code ${error.code}`;
            reject(new Error(`rabbitmqctl ${args.join(' ')} failed (${code}): ${String(stderr || stdout).trim()}`, { cause: error }));
          } else {
            resolve(String(stdout));
          }
        },
      );
    });
}

/** erl_call ships with erlang-base (a dependency of rabbitmq-server); Debian links it here. */
const ERL_CALL = '/usr/lib/erlang/bin/erl_call';

/**
 * Returns a function that evaluates Erlang expressions on the node with erl_call and resolves to
 * the printed result term (the text after `{ok, `). A C program, not a VM: ~10 ms a call where
 * rabbitmqctl takes 0.5-2 s, so it suits helpers that tests call often. The expressions use
 * RabbitMQ internals, so keep them few and covered by test/infra.
 *
 * With `root`, erl_call runs in that root (the node's Erlang release).
 *
 * @param {{ nodeName: string, env: Record<string, string>, root?: string | null, timeoutMs?: number }} target
 */
export function createErlEval({ nodeName, env, root = null, timeoutMs = 30_000 }) {
  const once = (expression) =>
    new Promise((resolve, reject) => {
      // -sname takes the full name@host; the cookie comes from $HOME/.erlang.cookie.
      const { file, args } = launch(root, ERL_CALL, ['-sname', nodeName, '-e']);
      const child = execFile(
        file,
        args,
        { env: { ...cleanEnv(), ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const out = String(stdout).trim();
          if (error || !out.startsWith('{ok, ') || !out.endsWith('}')) {
            const failure = new Error(`erl_call on ${nodeName} failed (${error ? (error.killed ? 'timed out' : `exit code ${error.code}`) : 'no {ok, ...} result'}): ${out || String(stderr).trim()}
expression: ${expression}`, { cause: error ?? undefined });
            reject(Object.assign(failure, { notConnected: /failed to connect to node/.test(`${out}\n${stderr}`) }));
          } else {
            resolve(out.slice('{ok, '.length, -1));
          }
        },
      );
      // erl_call exits without reading its input when it cannot connect: that EPIPE is reported
      // through the exit status above, not as an uncaught stream error.
      child.stdin.on('error', () => {});
      child.stdin.end(`${expression.trim().replace(/\.$/, '')}.\n`);
    });
  // A distribution handshake can time out on a loaded machine; the expression never ran then, so
  // trying again is safe. A node that is really down fails all attempts (about 3 s more).
  return async (expression) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await once(expression);
      } catch (error) {
        if (!error.notConnected || attempt >= ERL_CALL_ATTEMPTS) throw error;
        await sleep(500 * attempt);
      }
    }
  };
}

const ERL_CALL_ATTEMPTS = 3;

/** The launcher's environment without RABBITMQ_* settings that would override ours. */
export function cleanEnv() {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('RABBITMQ_')) delete env[key];
  return env;
}
