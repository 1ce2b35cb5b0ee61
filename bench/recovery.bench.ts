/**
 * Recovery timing against real brokers (not a test: figures for bench/README.md).
 *
 * 1. 20 forced connection closes (rabbit_networking:close_connection, i.e. 320 as with
 *    `rabbitmqctl close_connection`) on one node, while publishing persistent messages with
 *    confirms (window 1000) to a durable queue and consuming them with manual acks.
 * 2. On a 3-node cluster with a quorum queue: the node the client is on is stopped (stop_app),
 *    N times, each time a different node; the client recovers to another one.
 * For each loss: milliseconds from `disconnected` to `recovered`, and to the first publish
 * confirmed by the new connection. Prints medians and maxima.
 *
 *   npx tsx bench/recovery.bench.ts [--rabbitmq 3.10|4.3] [--kills 20] [--stops 3]
 */
import { startBroker } from '../scripts/lib/broker.mjs';
import { startCluster } from '../scripts/lib/cluster.mjs';
import { connect, type Connection } from '../runtime/index.js';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const rabbitmq = arg('rabbitmq', '3.10');
const kills = Number(arg('kills', '20'));
const stops = Number(arg('stops', '3'));

interface Loss {
  toRecovered: number;
  toConfirm: number;
}

/** Publishes and consumes on `conn` until stopped; `nextLoss()` resolves with the timings of the next loss. */
async function workload(conn: Connection, queue: string, queueType: 'classic' | 'quorum') {
  const setup = await conn.channel();
  await setup.queueDeclare(queue, { durable: true, queueType });
  const pub = await conn.channel({ republishUnconfirmed: true });
  await pub.confirmSelect({ maxUnconfirmed: 1000 });
  const sub = await conn.channel();
  const consumer = await sub.consume(queue, { prefetch: 200 });
  void (async () => {
    for await (const m of consumer) m.ack();
  })().catch(() => undefined);
  let lostAt = 0;
  let recoveredAt = 0;
  let recovered = false;
  let waiter: ((l: Loss) => void) | undefined;
  conn.on('disconnected', () => ((lostAt = Date.now()), (recovered = false)));
  conn.on('recovered', () => ((recoveredAt = Date.now()), (recovered = true)));
  let stopped = false;
  let confirmed = 0;
  const publishing = (async () => {
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; !stopped; i++) {
      const p = pub.sendToQueue(queue, 'x'.repeat(16), { persistent: true }).then(() => {
        confirmed++;
        // Confirms read just before the loss settle a microtask after it: count those of the new
        // connection only (its first confirms can only come after the replay, hence 'recovered').
        if (lostAt && recovered && waiter) {
          const w = waiter;
          waiter = undefined;
          w({ toRecovered: recoveredAt - lostAt, toConfirm: Date.now() - lostAt });
          lostAt = 0;
        }
      }, () => undefined);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      // publish() queues beyond the confirm window: keep at most a window's worth waiting.
      if (inFlight.size >= 2000) await Promise.race(inFlight);
      else if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(inFlight);
  })();
  const confirmedMore = async (n: number) => {
    const target = confirmed + n;
    while (confirmed < target) await new Promise((r) => setTimeout(r, 5));
  };
  return {
    nextLoss: () =>
      new Promise<Loss>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no confirm from a new connection within 120 s (state ${conn.state})`)), 120_000);
        waiter = (l) => {
          clearTimeout(timer);
          resolve(l);
        };
      }),
    confirmedMore,
    async stop() {
      stopped = true;
      await publishing;
      await consumer.cancel();
      await setup.queueDelete(queue);
    },
  };
}

function summary(label: string, losses: Loss[]): string {
  const stat = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `median ${s[Math.floor(s.length / 2)]} ms, max ${s[s.length - 1]} ms`;
  };
  return `${label} (${losses.length}): loss → recovered ${stat(losses.map((l) => l.toRecovered))}; loss → first confirm on the new connection ${stat(losses.map((l) => l.toConfirm))}`;
}

async function forcedCloses(): Promise<string> {
  const broker = await startBroker({ rabbitmq, log: () => undefined });
  try {
    const conn = await connect(broker.url, { recovery: { backoff: { initialDelay: 20, maxDelay: 500 } } });
    console.error(`broker started in ${broker.startMs} ms`);
    const w = await workload(conn, 'bench-recovery-kills', 'classic');
    await w.confirmedMore(2000);
    const losses: Loss[] = [];
    for (let i = 0; i < kills; i++) {
      const loss = w.nextLoss();
      await broker.evalErlang('[rabbit_networking:close_connection(P, "bench") || P <- rabbit_networking:connections()], ok.');
      losses.push(await loss);
      console.error(`close ${i + 1}: ${JSON.stringify(losses.at(-1))}`);
      await w.confirmedMore(1000);
    }
    await w.stop();
    await conn.close();
    return summary(`RabbitMQ ${rabbitmq}, forced closes`, losses);
  } finally {
    await broker.stop();
  }
}

async function nodeStops(): Promise<string> {
  const cluster = await startCluster({ nodes: 3, rabbitmq, log: () => undefined, brokerLog: () => undefined });
  try {
    const urls = cluster.nodes.map((n) => n.url);
    const conn = await connect(urls, { recovery: { backoff: { initialDelay: 50, maxDelay: 1000 } } });
    console.error(`cluster formed in ${cluster.formMs} ms`);
    const w = await workload(conn, 'bench-recovery-stops', 'quorum');
    await w.confirmedMore(2000);
    const losses: Loss[] = [];
    for (let i = 0; i < stops; i++) {
      const port = conn.node.endpoint.port;
      const node = cluster.nodes.find((n) => n.port === port)!;
      const loss = w.nextLoss();
      await node.rabbitmqctl('stop_app');
      losses.push(await loss);
      console.error(`stop ${i + 1} (port ${port} → ${conn.node.endpoint.port}): ${JSON.stringify(losses.at(-1))}`);
      await w.confirmedMore(1000);
      await node.rabbitmqctl('start_app');
    }
    await w.stop();
    await conn.close();
    return summary(`RabbitMQ ${rabbitmq}, 3-node cluster, quorum queue, connected node stopped`, losses);
  } finally {
    await cluster.stop();
  }
}

const lines = [await forcedCloses(), await nodeStops()];
for (const l of lines) console.log(l);
