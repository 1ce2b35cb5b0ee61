/**
 * A publish-and-consume workload for the recovery tests: confirmed persistent publishes (each
 * with its number as message id) and a manual-ack consumer on the same connection, with the
 * bookkeeping that proves what recovery promises: every publish settles exactly once, no
 * confirmed message goes missing, duplicates are counted, the consumer's iterator never ends.
 */
import type { Channel, Connection, Consumer } from 'warren';

/** What the workload saw. */
export interface WorkloadReport {
  published: number;
  confirmed: number;
  rejected: Map<string, number>;
  /** Publishes whose promise settled more than once (must be 0). */
  settledTwice: number;
  /** Publishes still unsettled at the end (must be 0). */
  unsettled: number;
  /** Distinct messages the consumer received. */
  received: number;
  /** Deliveries of a message already received (at-least-once: expected, counted). */
  duplicates: number;
  /** Confirmed messages the consumer never received (must be 0). */
  missing: number;
  /** The consumer's iterator ended (must be false). */
  iteratorEnded: boolean;
  /** Milliseconds from each `disconnected` to the first publish confirmed after it. */
  lossToConfirm: number[];
}

/** Runs publishes and a consumer until `stop()`; `drain()` then waits for every confirmed message to arrive. */
export async function startWorkload(conn: Connection, queue: string, options: { window?: number; prefetch?: number } = {}) {
  const pub: Channel = await conn.channel({ republishUnconfirmed: true });
  await pub.confirmSelect({ maxUnconfirmed: options.window ?? 1000 });
  const sub: Channel = await conn.channel();
  const consumer: Consumer = await sub.consume(queue, { prefetch: options.prefetch ?? 200 });
  const settledCount = new Map<number, number>();
  const confirmedIds = new Set<number>();
  const rejected = new Map<string, number>();
  const seen = new Set<number>();
  let duplicates = 0;
  let iteratorEnded = false;
  let next = 0;
  let stopped = false;
  let lostAt: number | undefined;
  let recovered = false;
  const lossToConfirm: number[] = [];
  conn.on('disconnected', () => {
    lostAt ??= Date.now();
    recovered = false;
  });
  // Confirms read just before the loss still settle their promises a microtask after
  // 'disconnected'; the new connection's first confirms come after the replay ('recovered').
  conn.on('recovered', () => (recovered = true));
  const confirmedListeners = new Set<() => void>();

  const consuming = (async () => {
    try {
      for await (const m of consumer) {
        const id = Number(m.properties.messageId);
        if (seen.has(id)) duplicates++;
        else seen.add(id);
        m.ack();
      }
    } finally {
      iteratorEnded = true;
    }
  })();
  consuming.catch(() => undefined);

  const publishing = (async () => {
    const inFlight = new Set<Promise<void>>();
    while (!stopped) {
      const id = next++;
      settledCount.set(id, 0);
      const p = pub.sendToQueue(queue, `message ${id}`, { persistent: true, messageId: String(id) }).then(
        () => {
          settledCount.set(id, settledCount.get(id)! + 1);
          confirmedIds.add(id);
          if (lostAt !== undefined && recovered) {
            lossToConfirm.push(Date.now() - lostAt);
            lostAt = undefined;
          }
          for (const l of confirmedListeners) l();
        },
        (e: Error) => {
          settledCount.set(id, settledCount.get(id)! + 1);
          rejected.set(e.name, (rejected.get(e.name) ?? 0) + 1);
        },
      );
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      // The confirm window (publish() waits for room) paces the loop; yield now and then.
      if (inFlight.size >= (options.window ?? 1000) || id % 50 === 0) await Promise.race([p, new Promise((r) => setTimeout(r, 1))]);
    }
    await Promise.all(inFlight);
  })();

  return {
    /** Resolves once `n` more publishes have been confirmed. */
    confirmedMore(n: number): Promise<void> {
      const target = confirmedIds.size + n;
      return new Promise((resolve) => {
        const check = () => {
          if (confirmedIds.size >= target) {
            confirmedListeners.delete(check);
            resolve();
          }
        };
        confirmedListeners.add(check);
      });
    },
    /** Stops publishing, waits for every publish to settle and every confirmed message to arrive (at most `timeoutMs`). */
    async finish(timeoutMs = 30_000): Promise<WorkloadReport> {
      stopped = true;
      await publishing;
      const deadline = Date.now() + timeoutMs;
      while ([...confirmedIds].some((id) => !seen.has(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      let settledTwice = 0;
      let unsettled = 0;
      for (const n of settledCount.values()) {
        if (n === 0) unsettled++;
        if (n > 1) settledTwice++;
      }
      const report: WorkloadReport = {
        published: next,
        confirmed: confirmedIds.size,
        rejected,
        settledTwice,
        unsettled,
        received: seen.size,
        duplicates,
        missing: [...confirmedIds].filter((id) => !seen.has(id)).length,
        iteratorEnded,
        lossToConfirm,
      };
      await consumer.cancel();
      return report;
    },
  };
}

/** Median and maximum of a list of numbers. */
export function medianMax(xs: readonly number[]): { median: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s.length ? s[Math.floor(s.length / 2)]! : NaN, max: s.length ? s[s.length - 1]! : NaN };
}
