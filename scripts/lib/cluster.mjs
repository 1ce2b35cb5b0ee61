// A throwaway RabbitMQ cluster on loopback: N nodes of one version, joined the documented way.
//
// Theory of operation
// - Every node is a startBroker() node (./broker.mjs): private directory, free ports, its own
//   cleanup layers (stop, exit hook, SIGKILL watchdog). The nodes share one Erlang cookie, which
//   is all that clustering needs between them; 4.x nodes also share their epmd (./rabbitmq.mjs).
// - Formation: all nodes boot in parallel (each a standalone node at first); then every node but
//   the first runs `stop_app`, `reset`, `join_cluster <node 1>`, `start_app` (the functions those
//   rabbitmqctl commands call, in one erl_call: see JOIN; the rabbitmqctl commands themselves
//   if that fails), one node after the other (a join
//   changes the cluster's membership, which RabbitMQ wants done one at a time);
//   finally `cluster_status` on node 1 must list every node as running, or the start fails.
// - States: booting → joining → formed → stopping → stopped. A failure anywhere stops every node
//   already started before the error propagates. stop() stops all nodes in parallel and removes
//   their directories; a node a test already stopped (`rabbitmqctl stop`) is simply gone.
// - Tests act on single nodes through each node's rabbitmqctl (stop_app, start_app, stop,
//   close_connection, list_queues ...) and erl_call; runningNodes() and quorumLeader() are the
//   cluster-wide questions the recovery tests ask.
// - The test suite shares one cluster per RabbitMQ version between its files through
//   ./cluster-lease.mjs, which lends it to one file at a time.

import { randomBytes } from 'node:crypto';
import { createErlEval, startBroker } from './broker.mjs';
import { parseRabbitmqVersion } from './rabbitmq.mjs';

/**
 * What `rabbitmqctl stop_app`, `reset`, `join_cluster <node>` and `start_app` call on the node,
 * per version (3.10: Mnesia; 4.x: the rabbit_db layer over Khepri or Mnesia), as one erl_call:
 * the same steps in the same order without booting a CLI VM for each (seconds apiece on a busy
 * 2-core machine).
 */
const JOIN = {
  '3.10': (node) => `ok = rabbit:stop(), ok = rabbit_mnesia:reset(), ok = rabbit_mnesia:join_cluster('${node}', disc), ok = rabbit:start(), joined`,
  '4.3': (node) => `ok = rabbit:stop(), ok = rabbit_db:reset(), ok = rabbit_db_cluster:join('${node}', disc), ok = rabbit:start(), joined`,
};

/** A join restarts the node's app; generous, as CI shares 2 cores with everything else. */
const JOIN_TIMEOUT_MS = 120_000;

const defaultLog = (line) => process.stderr.write(`[cluster] ${line}\n`);

/** How many times the documented rabbitmqctl join is tried after the one-call join failed. */
const JOIN_FALLBACK_ATTEMPTS = 1;

/**
 * Joins `broker` to `first`: the one-call join through erl_call first (fast); if that fails (seen
 * once on 4.3 in CI: the expression failed without saying which step), the documented rabbitmqctl
 * steps, which are idempotent (stop_app on a stopped app, reset, join_cluster, start_app), a few
 * times with a pause, so that one slow step of a busy machine does not fail the whole run.
 */
async function joinNode(broker, first, rabbitmq, log) {
  const { nodeName, env, root } = broker;
  let firstError;
  try {
    const result = await createErlEval({ nodeName, env, root, timeoutMs: JOIN_TIMEOUT_MS })(JOIN[rabbitmq](first.nodeName));
    if (result === 'joined') return;
    firstError = new Error(`${nodeName} did not join ${first.nodeName}: ${result}`);
  } catch (error) {
    firstError = error;
  }
  let lastError = firstError;
  for (let attempt = 1; attempt <= JOIN_FALLBACK_ATTEMPTS; attempt++) {
    log(`${nodeName}: join through erl_call failed (${String(lastError?.message ?? lastError).split('\n')[0]}); rabbitmqctl join, attempt ${attempt}`);
    await new Promise((resolve) => setTimeout(resolve, 2_000 * attempt));
    try {
      await broker.rabbitmqctl('stop_app');
      await broker.rabbitmqctl('reset');
      await broker.rabbitmqctl('join_cluster', first.nodeName);
      await broker.rabbitmqctl('start_app');
      return;
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(`${nodeName} did not join ${first.nodeName}: ${lastError?.message ?? lastError}`, { cause: firstError });
}

/** Parses `rabbitmqctl ... --formatter json` output (3.10 may print notices before the JSON). */
function parseJson(text) {
  const start = text.search(/[[{]/);
  if (start === -1) throw new Error(`no JSON in rabbitmqctl output: ${text.slice(0, 300)}`);
  return JSON.parse(text.slice(start));
}

/**
 * Starts `nodes` RabbitMQ nodes of version `rabbitmq` and clusters them.
 *
 * @param {import('./cluster.d.mts').StartClusterOptions} [options]
 * @returns {Promise<import('./cluster.d.mts').Cluster>}
 */
export async function startCluster(options = {}) {
  const log = options.log ?? defaultLog;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startClusterOnce(options);
    } catch (error) {
      if (attempt >= FORMATION_ATTEMPTS) throw error;
      log(`formation attempt ${attempt} failed, every node stopped; starting new nodes: ${String(error?.message ?? error).split('\n')[0]}`);
    }
  }
}

/**
 * Whole formations tried before giving up. A node of 4.3 was seen to die during its join in CI
 * (twice in a few dozen formations; the node's log went with its temp dir): fresh nodes then
 * form a cluster, and a test must not fail for a broker's bad start any more than for its own.
 */
const FORMATION_ATTEMPTS = 3;

async function startClusterOnce(options) {
  const count = options.nodes ?? 3;
  if (!Number.isInteger(count) || count < 1) throw new Error(`nodes must be a positive integer, got ${count}`);
  const rabbitmq = parseRabbitmqVersion(options.rabbitmq);
  const log = options.log ?? defaultLog;
  const cookie = randomBytes(16).toString('hex').toUpperCase();
  const tag = randomBytes(2).toString('hex');
  const started = Date.now();

  const settled = await Promise.allSettled(
    Array.from({ length: count }, (_, i) =>
      startBroker({
        rabbitmq,
        cookie,
        namePrefix: `warren-c${tag}n${i + 1}`,
        handleSignals: options.handleSignals,
        startTimeoutMs: options.startTimeoutMs,
        plugins: options.plugins,
        config: options.config,
        tls: options.tls,
        log: options.brokerLog ?? ((line) => log(`node ${i + 1}: ${line}`)),
      }),
    ),
  );
  const brokers = settled.filter((s) => s.status === 'fulfilled').map((s) => s.value);
  const stopAll = () => Promise.all(brokers.map((broker) => broker.stop()));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) {
    await stopAll();
    throw failed.reason;
  }
  const bootMs = Date.now() - started;

  const [first] = brokers;
  try {
    for (const broker of brokers.slice(1)) await joinNode(broker, first, rabbitmq, log);
    const running = await runningNodesOf(first);
    const missing = brokers.map((b) => b.nodeName).filter((name) => !running.includes(name));
    if (missing.length > 0) throw new Error(`cluster_status on ${first.nodeName} does not list ${missing.join(', ')} as running (running: ${running.join(', ')})`);
  } catch (error) {
    await stopAll();
    throw new Error(`could not form a ${count}-node RabbitMQ ${rabbitmq} cluster: ${error.message}`, { cause: error });
  }
  const formMs = Date.now() - started;
  log(`formed a ${count}-node ${first.server.product} ${first.server.version} cluster in ${formMs} ms (nodes booted in ${bootMs} ms): ${brokers.map((b) => `${b.nodeName} ${b.url}`).join(', ')}`);

  let stopping;
  return {
    rabbitmq,
    server: first.server,
    nodes: brokers,
    formMs,
    runningNodes: (via = 0) => runningNodesOf(brokers[via]),
    quorumLeader: (queue, { vhost = '/', via = 0 } = {}) => quorumLeaderOf(brokers[via], queue, vhost),
    stop: () =>
      (stopping ??= (async () => {
        const t0 = Date.now();
        await stopAll();
        log(`stopped the cluster in ${Date.now() - t0} ms`);
      })()),
  };
}

/** The node names cluster_status reports as running, asked through `broker`. */
export async function runningNodesOf(broker) {
  const status = parseJson(await broker.rabbitmqctl('cluster_status', '--formatter', 'json'));
  return status.running_nodes ?? [];
}

/** The node name that leads quorum queue `queue`, asked through `broker`. */
export async function quorumLeaderOf(broker, queue, vhost) {
  const rows = parseJson(await broker.rabbitmqctl('list_queues', '-q', '-p', vhost, 'name', 'type', 'leader', '--formatter', 'json'));
  const row = rows.find((r) => r.name === queue);
  if (!row) throw new Error(`no queue ${JSON.stringify(queue)} in vhost ${JSON.stringify(vhost)} on ${broker.nodeName}`);
  if (row.type !== 'quorum') throw new Error(`queue ${JSON.stringify(queue)} is ${row.type}, not quorum`);
  if (!row.leader || row.leader === '') throw new Error(`quorum queue ${JSON.stringify(queue)} has no leader right now`);
  return row.leader;
}
