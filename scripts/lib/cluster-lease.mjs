// One RabbitMQ cluster shared by the test files of a run, lent to one file at a time.
//
// Theory of operation
// - The test project's global setup (a process that lives for the whole run) calls
//   serveClusterLeases(): a server on a Unix socket, and no cluster yet. A test file that needs a
//   cluster (test/helpers/broker-cluster.ts) connects and asks for one with N nodes; the server
//   queues the askers and serves them one after the other: the first grant forms the cluster
//   (./cluster.mjs, at least DEFAULT_NODES nodes, so that a file asking for 2 and one asking for
//   3 share it), later grants reuse it. A lease lasts as long as the asker's socket: the file's
//   afterAll closes it, and a worker that dies closes it too.
// - Exclusive, because tests stop and start nodes (stop_app, start_app) that must not reach a
//   file running at the same time. A file waiting for the lease holds its worker meanwhile;
//   forming a cluster costs far more (up to two minutes on a loaded 2-core machine).
// - Between leases the cluster is checked: every node listed as running; a node whose app a file
//   left stopped is started again; a cluster that cannot be healed (a node's VM stopped) is
//   stopped, and the next grant forms a new one. stop() stops the server and the cluster.
// - The grant describes the nodes (URL, node name, the variables and root that rabbitmqctl and
//   erl_call need); the file builds its own tools from that (connectCluster()).

import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createErlEval, createRabbitmqctl } from './broker.mjs';
import { quorumLeaderOf, runningNodesOf, startCluster } from './cluster.mjs';

/** Nodes of the shared cluster at least: every test file's ask fits in it. */
const DEFAULT_NODES = 3;

/** Starting a node's app again (a boot of the rabbit application) on a loaded machine. */
const START_APP_TIMEOUT_MS = 120_000;

const defaultLog = (line) => process.stderr.write(`[cluster] ${line}\n`);

/**
 * Starts a lease server for clusters of RabbitMQ `rabbitmq`; no cluster is formed until asked.
 *
 * @param {{ rabbitmq: string, log?: (line: string) => void }} options
 * @returns {Promise<{ path: string, stats: () => { formations: number, leases: number }, stop: () => Promise<void> }>}
 */
export async function serveClusterLeases({ rabbitmq, log = defaultLog }) {
  const dir = mkdtempSync(join(tmpdir(), 'warren-cluster-lease-'));
  const path = join(dir, 'lease.sock');
  /** @type {import('./cluster.d.mts').Cluster | undefined} */
  let cluster;
  let formations = 0;
  let leases = 0;
  let turn = Promise.resolve();

  /** A cluster of at least `nodes` nodes, every node running: the one there is, healed, or a new one. */
  async function ready(nodes) {
    if (cluster && (cluster.nodes.length < nodes || !(await healed(cluster, log)))) {
      await cluster.stop();
      cluster = undefined;
    }
    if (!cluster) {
      cluster = await startCluster({ nodes: Math.max(nodes, DEFAULT_NODES), rabbitmq, log });
      formations++;
    }
    return cluster;
  }

  const sockets = new Set();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    let asked = '';
    socket.setEncoding('utf8');
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      asked += chunk;
      const end = asked.indexOf('\n');
      if (end < 0) return;
      const { nodes } = JSON.parse(asked.slice(0, end));
      socket.removeAllListeners('data');
      const released = new Promise((resolve) => socket.once('close', resolve));
      turn = turn.then(async () => {
        if (socket.destroyed) return;
        try {
          const c = await ready(nodes);
          leases++;
          socket.write(`${JSON.stringify({ ok: true, cluster: describe(c, nodes) })}\n`);
        } catch (error) {
          socket.end(`${JSON.stringify({ ok: false, error: String(error?.stack ?? error) })}\n`);
        }
        await released;
      });
    });
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(path, resolve));
  return {
    path,
    stats: () => ({ formations, leases }),
    stop: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy(); // a lease still held (a worker that hung) ends here
      await closed;
      await cluster?.stop();
      if (formations > 0) log(`RabbitMQ ${rabbitmq}: ${formations} cluster formation(s) for ${leases} lease(s)`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Every node running, after starting the app of any a lease left stopped (a test that timed out
 * before its own start_app); false when that fails. Asked of each node through erl_call (~10 ms;
 * a rabbitmqctl call boots a VM, and cluster_status asked of a stopped app fails).
 */
async function healed(cluster, log) {
  try {
    for (const node of cluster.nodes) {
      if ((await node.evalErlang('rabbit:is_running()')) === 'true') continue;
      log(`${node.nodeName} was left stopped by the last lease: starting its app`);
      const started = await createErlEval({ nodeName: node.nodeName, env: node.env, root: node.root, timeoutMs: START_APP_TIMEOUT_MS })('rabbit:start()');
      if (started !== 'ok') throw new Error(`rabbit:start() on ${node.nodeName} gave ${started}`);
    }
    const now = await cluster.runningNodes(0);
    return cluster.nodes.every((node) => now.includes(node.nodeName));
  } catch (error) {
    log(`the shared cluster cannot be healed, a new one will be formed: ${String(error?.message ?? error).split('\n')[0]}`);
    return false;
  }
}

function describe(cluster, nodes) {
  return {
    rabbitmq: cluster.rabbitmq,
    server: cluster.server,
    formMs: cluster.formMs,
    nodes: cluster.nodes.slice(0, nodes).map((n) => ({ url: n.url, nodeName: n.nodeName, port: n.port, env: n.env, root: n.root })),
  };
}

/**
 * Asks the lease server at `path` for a cluster of `nodes` nodes; resolves when it is this
 * caller's (after the leases before it). `stop()` gives it back; the nodes keep running.
 *
 * @param {{ path: string, nodes?: number }} options
 * @returns {Promise<import('./cluster.d.mts').Cluster>}
 */
export function leaseCluster({ path, nodes = DEFAULT_NODES }) {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path, () => socket.write(`${JSON.stringify({ nodes })}\n`));
    let answer = '';
    socket.setEncoding('utf8');
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`the cluster lease server closed the lease: ${answer}`)));
    socket.on('data', (chunk) => {
      answer += chunk;
      const end = answer.indexOf('\n');
      if (end < 0) return;
      const reply = JSON.parse(answer.slice(0, end));
      socket.removeAllListeners('data');
      if (!reply.ok) return reject(new Error(`no cluster: ${reply.error}`));
      resolve(fromDescription(reply.cluster, socket));
    });
  });
}

function fromDescription(d, socket) {
  const nodes = d.nodes.map((n) => ({
    ...n,
    rabbitmq: d.rabbitmq,
    server: d.server,
    rabbitmqctl: createRabbitmqctl(n),
    evalErlang: createErlEval(n),
    stop: () => Promise.reject(new Error('a node of the shared test cluster is not stopped by a test file: use rabbitmqctl stop_app / start_app')),
  }));
  let released;
  return {
    rabbitmq: d.rabbitmq,
    server: d.server,
    nodes,
    formMs: d.formMs,
    runningNodes: (via = 0) => runningNodesOf(nodes[via]),
    quorumLeader: (queue, { vhost = '/', via = 0 } = {}) => quorumLeaderOf(nodes[via], queue, vhost),
    stop: () =>
      (released ??= new Promise((resolve) => {
        socket.removeAllListeners('close');
        socket.once('close', resolve);
        socket.end();
      })),
  };
}
