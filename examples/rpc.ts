/**
 * RabbitMQ tutorial 6, "RPC": a server computes Fibonacci numbers for requests on `rpc_queue`;
 * the client calls it over direct reply-to (no reply queue to declare), matching replies to calls
 * by correlation id, with many calls in flight at once.
 * https://www.rabbitmq.com/tutorials/tutorial-six-javascript
 *
 *   AMQP_URL=amqp://localhost npx tsx examples/rpc.ts
 */
import { connect, createRpcClient, serveRpc } from '../runtime/index.js';
import { runMain } from './run-main.js';

function fibonacci(n: number): number {
  return n < 2 ? n : fibonacci(n - 1) + fibonacci(n - 2);
}

export async function main(url: string, queue = 'rpc_queue'): Promise<number[]> {
  await using connection = await connect(url);

  // Server: one request at a time (prefetch 1), as in the tutorial.
  const serverChannel = await connection.channel();
  await serverChannel.queueDeclare(queue, { durable: false });
  const server = await serveRpc(serverChannel, queue, (request) => {
    const n = Number(request.text());
    console.log(` [.] fib(${n})`);
    return String(fibonacci(n));
  }, { prefetch: 1 });

  // Client: every call in flight at once on one channel.
  const rpc = await createRpcClient(await connection.channel(), { timeout: 10_000 });
  const results = await Promise.all(Array.from({ length: 15 }, async (_, n) => {
    const reply = await rpc.call(queue, String(n));
    console.log(` [x] fib(${n}) = ${reply.text()}`);
    return Number(reply.text());
  }));

  await rpc.close();
  await server.cancel();
  await serverChannel.queueDelete(queue);
  return results;
}

runMain(import.meta.url, main);
