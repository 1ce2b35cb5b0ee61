// Adapter: warren (this project), through its public API: connect() / Channel.
// Needs the build: `npm run build` (bench scripts do it) so that dist/ exists.
import { readFileSync } from 'node:fs';
import { connect as warrenConnect } from '../../../dist/index.js';
import { windowed } from '../lib/common.mjs';

export const name = 'warren';
/** Consumer styles this adapter runs (run.mjs --style). */
export const styles = ['callback', 'c8', 'iter'];
export const pkg = 'warren';
export const version = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version;

export async function connect(url, { frameMax } = {}) {
  const conn = await warrenConnect(url, frameMax ? { frameMax } : {});
  const ch = await conn.channel();
  let confirmCh = null;

  return {
    info: { frameMax: conn.tune.frameMax, api: 'connect / Channel' },

    async declareQueue(queue) {
      await ch.queueDeclare(queue, { durable: false, autoDelete: false, exclusive: false });
    },
    async deleteQueue(queue) {
      await ch.queueDelete(queue);
    },
    async messageCount(queue) {
      // passive declare on the publishing channel, so it is ordered after the publishes
      return (await ch.call('queue.declare', { queue, passive: true })).messageCount;
    },

    // publish() resolves at once while the socket takes more (it waits on a full socket);
    // on a confirm channel it resolves on the broker's ack, so `window` bounds the unconfirmed.
    async publish(queue, body, n, { confirm = false, window = 1000 } = {}) {
      if (!confirm) {
        for (let i = 0; i < n; i++) await ch.publish('', queue, body);
        return;
      }
      if (!confirmCh) {
        confirmCh = await conn.channel();
        await confirmCh.confirmSelect();
      }
      await windowed(n, window, () => confirmCh.publish('', queue, body));
    },

    // `style`: 'callback' (concurrency 1, warren's default), 'c8' (a callback consumer running up
    // to 8 handlers at once) or 'iter' (a `for await` loop over the consumer).
    async consume(queue, n, { prefetch = 1000, ack = 'each', ackEvery = Math.max(1, prefetch >> 2), style = 'callback' } = {}) {
      const noAck = ack === 'none';
      let count = 0;
      let consumer;
      if (style === 'iter') {
        for await (const msg of await ch.consume(queue, { noAck, prefetch })) {
          count++;
          if (ack === 'each') msg.ack();
          else if (ack === 'multiple' && (count % ackEvery === 0 || count === n)) msg.ack({ multiple: true });
          if (count === n) break;
        }
        return count;
      }
      await new Promise((resolve, reject) => {
        ch.on('error', reject);
        ch.consume(
          queue,
          (msg) => {
            count++;
            if (ack === 'each') msg.ack();
            else if (ack === 'multiple' && (count % ackEvery === 0 || count === n)) msg.ack({ multiple: true });
            if (count === n) resolve();
          },
          { noAck, prefetch, ...(style === 'c8' ? { concurrency: 8 } : {}) },
        ).then((c) => (consumer = c), reject);
      });
      return count;
    },

    // latency.mjs: a callback consumer acking each message, and a single publish.
    async subscribe(queue, onBody, { prefetch = 1000 } = {}) {
      const c = await ch.consume(
        queue,
        (msg) => {
          onBody(msg.body);
          msg.ack();
        },
        { prefetch },
      );
      return () => c.close();
    },
    send(queue, body) {
      return ch.publish('', queue, body);
    },
    // publish() resolves at once unless the socket is full: awaiting it is warren's back-pressure.
    sendAwaits: true,

    async close() {
      await conn.close();
    },
  };
}
