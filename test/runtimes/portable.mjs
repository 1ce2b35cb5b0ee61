// The portable part of the integration suite: a plain program against warren's BUILT package that
// runs unchanged under Node 20, Node 24, Bun and Deno (test/runtimes/portable.test.ts runs it under
// each against the broker and checks what it prints). What a new user would try first: connect,
// channels, confirms, a `for await` consumer, basic.get, RPC over direct reply-to, recovery after
// the broker closed the connection, TLS with the broker's CA, heartbeats, close.
//
// Output: one JSON line per step, `{"step":NAME,...facts}`; the driver asserts the facts, so this
// program checks only what it needs to go on. Mid-way it prints `{"await":"close","name":N}` and
// waits for the connection named N to be closed by the broker (the driver runs
// rabbitmqctl close_connection's equivalent) and recovered. Any failure ends it with
// `{"error":...}` and exit code 1. Environment: AMQP_URL, AMQPS_URL, WARREN_CA_FILE, RUNTIME_TAG.
import { readFileSync } from 'node:fs';
import { connect, createRpcClient, serveRpc } from 'warren';

const env = (name) => {
  const value = globalThis.process?.env?.[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const say = (line) => console.log(JSON.stringify(line));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** Rejects after `ms` with `what` in the message: this program must end by itself. */
const within = (ms, what, promise) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms).unref?.())]);

const tag = env('RUNTIME_TAG');
const name = (what) => `warren-runtimes-${tag}-${what}`;
const connectionName = name('main');

async function main() {
  // --------------------------------------------------------------- connection and channels
  const connection = await connect(env('AMQP_URL'), { connectionName, recovery: { backoff: { initialDelay: 50, maxDelay: 500 } } });
  const channels = await Promise.all([connection.channel(), connection.channel({ confirm: true }), connection.channel({ prefetch: 100 })]);
  const [plain, confirming, consuming] = channels;
  say({ step: 'connect', server: connection.broker.product, channels: channels.map((c) => c.id).sort((a, b) => a - b) });

  // --------------------------------------------------------------- confirms
  const { queue } = await plain.queueDeclare('', { exclusive: true });
  const count = 1000;
  const body = new Uint8Array(1024);
  const confirms = [];
  for (let i = 0; i < count; i++) confirms.push(confirming.publish('', queue, body, { messageId: String(i) }));
  const outcomes = await Promise.allSettled(confirms);
  const declared = await plain.checkQueue(queue);
  say({ step: 'confirms', published: count, acked: outcomes.filter((o) => o.status === 'fulfilled').length, queued: declared.messageCount });

  // --------------------------------------------------------------- consumer with for await
  const ids = [];
  let bytes = 0;
  for await (const message of await consuming.consume(queue)) {
    ids.push(Number(message.properties.messageId));
    bytes += message.body.length;
    message.ack();
    if (ids.length === count) break;
  }
  say({ step: 'consume', received: ids.length, inOrder: ids.every((id, i) => id === i), bytes });

  // --------------------------------------------------------------- basic.get
  await confirming.publish('', queue, { hello: tag });
  const got = await plain.get(queue, { noAck: true });
  const empty = await plain.get(queue, { noAck: true });
  say({ step: 'get', payload: got?.json(), contentType: got?.properties.contentType, thenEmpty: empty === null });

  // --------------------------------------------------------------- RPC over direct reply-to
  const serverChannel = await connection.channel();
  const { queue: rpcQueue } = await serverChannel.queueDeclare('', { exclusive: true });
  const server = await serveRpc(serverChannel, rpcQueue, (request) => `echo:${request.text()}`);
  const rpc = await createRpcClient(await connection.channel(), { timeout: 10_000 });
  const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => rpc.call(rpcQueue, String(i))));
  await server.cancel();
  say({ step: 'rpc', replies: replies.map((m) => m.text()) });

  // --------------------------------------------------------------- recovery after a forced close
  const recoveryChannel = await connection.channel({ confirm: true });
  const recoveryQueue = name('recovery');
  await recoveryChannel.queueDeclare(recoveryQueue, { exclusive: true }); // recorded, declared again
  const iterator = (await recoveryChannel.consume(recoveryQueue, { noAck: true }))[Symbol.asyncIterator]();
  const lost = new Promise((resolve) => connection.once('disconnected', ({ error }) => resolve(error)));
  const recovered = new Promise((resolve) => connection.once('recovered', resolve));
  say({ await: 'close', name: connectionName });
  const error = await within(20_000, 'connection closed by the broker', lost);
  await within(20_000, 'recovery', recovered);
  await recoveryChannel.publish('', recoveryQueue, 'after recovery');
  const next = await within(10_000, 'delivery after recovery', iterator.next());
  say({ step: 'recovery', lostWith: error?.replyCode ?? error?.name, delivered: next.value?.text() });
  await iterator.return?.();

  // --------------------------------------------------------------- heartbeats
  // RabbitMQ closes a connection that sent nothing for two heartbeat intervals: an idle
  // connection that still answers after three intervals has been sending its heartbeats.
  const beating = await connect(env('AMQP_URL'), { heartbeat: 1, connectionName: name('heartbeat'), recovery: false });
  const negotiated = beating.tune.heartbeat;
  await sleep(3_500);
  const beatingChannel = await beating.channel();
  const { queue: beatQueue } = await beatingChannel.queueDeclare('', { exclusive: true });
  await beating.close();
  say({ step: 'heartbeat', negotiated, aliveAfterIdle: beatQueue.startsWith('amq.gen-') });

  // --------------------------------------------------------------- TLS with the broker's CA
  const secure = await connect(env('AMQPS_URL'), { tls: { ca: readFileSync(env('WARREN_CA_FILE'), 'utf8') }, connectionName: name('tls'), recovery: false });
  const secureChannel = await secure.channel({ confirm: true });
  const { queue: tlsQueue } = await secureChannel.queueDeclare('', { exclusive: true });
  const big = new Uint8Array(300_000).map((_, i) => i % 251);
  await secureChannel.publish('', tlsQueue, big);
  const echoed = await secureChannel.get(tlsQueue, { noAck: true });
  await secure.close();
  say({ step: 'tls', bytes: echoed?.body.length, intact: echoed !== null && echoed.body.every((b, i) => b === i % 251) });

  // --------------------------------------------------------------- close
  await connection.close();
  say({ step: 'close', state: connection.state });
}

main().then(
  () => globalThis.process?.exit?.(0),
  (error) => {
    say({ error: `${error?.name}: ${error?.message}`, stack: String(error?.stack ?? '') });
    globalThis.process?.exit?.(1);
  },
);
