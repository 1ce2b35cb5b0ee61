// Adapter: warren/amqplib, warren's amqplib compat layer (issue 17). The amqplib adapter's code
// line for line (adapters/amqplib.mjs), with only the module changed: the same application code
// on amqplib and on warren, so the two rows compare the libraries and nothing else.
// Needs the build: `npm run build` (bench scripts do it) so that dist/ exists.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as amqplib from '../../../dist/amqplib.js';

export const name = 'amqplib-compat';
export const pkg = 'warren/amqplib';
export const version = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version;

export async function connect(url, { frameMax } = {}) {
  const u = new URL(url);
  if (frameMax) u.searchParams.set('frameMax', String(frameMax));
  const model = await amqplib.connect(u.toString());
  model.on('error', () => {});
  const ch = await model.createChannel(); // publishes, declares, consumes
  let confirmCh = null;

  return {
    info: { frameMax: model.connection.frameMax, api: 'ChannelModel / Channel / ConfirmChannel' },

    async declareQueue(queue) {
      await ch.assertQueue(queue, { durable: false, autoDelete: false, exclusive: false });
    },
    async deleteQueue(queue) {
      await ch.deleteQueue(queue);
    },
    async messageCount(queue) {
      // passive declare, on the publishing channel (so it is ordered after the publishes)
      return (await ch.checkQueue(queue)).messageCount;
    },

    async publish(queue, body, n, { confirm = false, window = 1000 } = {}) {
      if (!confirm) {
        // sendToQueue returns false once the channel's write buffer is full: wait for 'drain'
        for (let i = 0; i < n; i++) {
          if (!ch.sendToQueue(queue, body)) await once(ch, 'drain');
        }
        return;
      }
      confirmCh ??= await model.createConfirmChannel();
      const cc = confirmCh;
      await new Promise((resolve, reject) => {
        let next = 0;
        let inflight = 0;
        let done = 0;
        let waitingDrain = false;
        let failed = false;
        const onConfirm = (err) => {
          if (err) {
            if (!failed) reject(err);
            failed = true;
            return;
          }
          inflight--;
          if (++done === n) resolve();
          else if (!waitingDrain) pump();
        };
        function pump() {
          while (!failed && next < n && inflight < window) {
            inflight++;
            next++;
            if (!cc.sendToQueue(queue, body, {}, onConfirm)) {
              waitingDrain = true;
              cc.once('drain', () => {
                waitingDrain = false;
                pump();
              });
              return;
            }
          }
        }
        pump();
      });
    },

    async consume(queue, n, { prefetch = 1000, ack = 'each', ackEvery = Math.max(1, prefetch >> 2) } = {}) {
      const noAck = ack === 'none';
      await ch.prefetch(prefetch);
      let count = 0;
      await new Promise((resolve, reject) => {
        ch.once('error', reject);
        ch.consume(
          queue,
          (msg) => {
            count++;
            if (ack === 'each') ch.ack(msg);
            else if (ack === 'multiple' && (count % ackEvery === 0 || count === n)) ch.ack(msg, true);
            if (count === n) resolve();
          },
          { noAck },
        ).catch(reject);
      });
      return count;
    },

    // latency.mjs: a callback consumer acking each message, and a single publish.
    async subscribe(queue, onBody, { prefetch = 1000 } = {}) {
      await ch.prefetch(prefetch);
      const { consumerTag } = await ch.consume(queue, (msg) => {
        onBody(msg.content);
        ch.ack(msg);
      });
      return () => ch.cancel(consumerTag);
    },
    send(queue, body) {
      // false means its buffer is full: the message is still sent; latency.mjs only needs the rate.
      ch.sendToQueue(queue, body);
    },

    async close() {
      // Close channels first: model.close() writes connection.close straight to the
      // socket and can overtake frames (e.g. the last acks) still queued in a
      // channel's write buffer, which the broker would then requeue.
      if (confirmCh) await confirmCh.close();
      await ch.close();
      await model.close();
    },
  };
}
