/**
 * A Cloudflare Worker that talks to RabbitMQ: each request connects, publishes with a confirm,
 * consumes that message back, reads one more with basic.get, and closes, all within the request
 * (a Worker's outbound sockets live no longer than the request that opened them; see
 * docs/runtimes.md for Durable Objects, heartbeats and recovery there).
 *
 * Bundled as wrangler does (esbuild with the `workerd` condition), `import 'warren'` takes the
 * Workers versions of warren's runtime-specific modules (package.json `imports`): the Workers
 * transport over `cloudflare:sockets` by default and no node:* import, so it needs no
 * `nodejs_compat`. wrangler.toml:
 *
 *   name = "warren-worker"
 *   main = "examples/cloudflare-worker.ts"
 *   compatibility_date = "2026-07-01"
 *   [vars]
 *   AMQP_URL = "amqps://user:password@broker.example.com/vhost"   # a publicly trusted certificate
 *
 * test/runtimes/worker.test.ts bundles this file and runs it in workerd (miniflare) against the
 * test broker.
 */
import { connect } from 'warren';

/** The Worker's bindings this example reads. */
export interface Env {
  AMQP_URL: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const text = new URL(request.url).searchParams.get('text') ?? 'hello from a Worker';
    // No recovery: the connection is the request's, and a new request simply connects again.
    const connection = await connect(env.AMQP_URL, { connectionName: 'warren-worker-example', recovery: false });
    try {
      const channel = await connection.channel({ confirm: true });
      const { queue } = await channel.queueDeclare('', { exclusive: true });
      await channel.publish('', queue, { text }); // resolves with the broker's confirm
      let consumed: unknown;
      for await (const message of await channel.consume(queue)) {
        consumed = message.json();
        message.ack();
        break; // leaving the loop cancels the consumer
      }
      await channel.publish('', queue, 'second');
      const got = await channel.get(queue, { noAck: true });
      return Response.json({ consumed, got: got?.text() ?? null, server: `${connection.broker.product} ${connection.broker.version}` });
    } finally {
      await connection.close();
    }
  },
};
