/**
 * RabbitMQ tutorial 2, "Work Queues": time-consuming tasks (each '.' is a unit of work) go to a
 * durable queue as persistent messages; two workers share them fairly (prefetch 1) and ack each
 * one only when it is done, so a worker that dies loses no task.
 * https://www.rabbitmq.com/tutorials/tutorial-two-javascript
 *
 *   AMQP_URL=amqp://localhost npx tsx examples/work-queues.ts
 */
import { connect, type Channel } from '../runtime/index.js';
import { runMain } from './run-main.js';

const UNIT_MS = 20; // the tutorial sleeps a second per dot

async function worker(channel: Channel, queue: string, name: string, done: string[], total: { left: number; finished: () => void }): Promise<void> {
  await channel.consume(queue, async (message) => {
    const task = message.text();
    await new Promise((resolve) => setTimeout(resolve, task.split('.').length * UNIT_MS));
    done.push(task);
    message.ack();
    console.log(` [${name}] done ${task}`);
    if (--total.left === 0) total.finished();
  }, { prefetch: 1 }); // fair dispatch: no new task before the last one is acked
}

export async function main(url: string, queue = 'task_queue'): Promise<Record<string, string[]>> {
  await using connection = await connect(url);
  const producer = await connection.channel();
  await producer.queueDeclare(queue, { durable: true });

  const tasks = ['First message.', 'Second message..', 'Third message...', 'Fourth message....', 'Fifth message.....', 'Sixth.', 'Seventh..', 'Eighth.'];
  const done: Record<string, string[]> = { w1: [], w2: [] };
  let finished!: () => void;
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  const total = { left: tasks.length, finished };
  // Each worker on its own channel, as separate processes would be.
  await worker(await connection.channel(), queue, 'w1', done.w1!, total);
  await worker(await connection.channel(), queue, 'w2', done.w2!, total);

  await producer.confirmSelect();
  for (const task of tasks) {
    await producer.sendToQueue(queue, task, { persistent: true });
    console.log(` [x] Sent '${task}'`);
  }
  await allDone;
  await producer.queueDelete(queue);
  return done;
}

runMain(import.meta.url, main);
