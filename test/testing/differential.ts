/**
 * Which broker test files the `warren-testing` project leaves out, each with the reason. The
 * project runs every other broker test file (vitest.config.ts) against warren/testing instead
 * of RabbitMQ, with the same assertions: a new integration test runs there too unless it is
 * listed here. Reasons are of four kinds: the test drives RabbitMQ from outside (rabbitmqctl or
 * erl_call), it needs TLS, it is about a queue type warren/testing does not implement, or it
 * needs several nodes.
 */
export const NOT_ON_TEST_BROKER: Record<string, string> = {
  'test/infra/broker.test.ts': 'tests the RabbitMQ launcher itself (rabbitmqctl, erl_call, TLS listener)',
  'test/infra/cluster.test.ts': 'clustering: several RabbitMQ nodes',
  'test/integration/recovery/cluster.test.ts': 'clustering: several RabbitMQ nodes, rabbitmqctl',
  'test/integration/rabbitmq4/stream-replica.test.ts': 'streams and clustering',
  'test/integration/rabbitmq4/streams.test.ts': 'streams are not implemented by warren/testing',
  'test/integration/rabbitmq4/streams-recovery.test.ts': 'streams are not implemented by warren/testing',
  'test/integration/rabbitmq4/quorum.test.ts': 'quorum-queue specifics (delivery limit, x-delivery-count)',
  'test/integration/connection/tls.test.ts': 'TLS: warren/testing listens on plain TCP only',
  'test/integration/hardening/secrets-canary.test.ts': 'TLS listener and broker-side users (erl_call)',
  'test/integration/ergonomics/channel-and-options.test.ts': 'lists connections through erl_call',
  'test/readme.test.ts': 'the README snippets declare a stream',
  'test/runtimes/worker.test.ts': 'runs a Worker in workerd against RabbitMQ (once per broker is enough)',
  'test/runtimes/portable.test.ts': 'closes connections through erl_call, TLS with the broker CA (and runs four runtimes: once per broker is enough)',
};

/**
 * Single tests left out of files that otherwise run, keyed `file > describe > ... > test`, each
 * with the reason; test/testing/setup.ts skips them with that reason as the skip note.
 */
export const TESTS_NOT_ON_TEST_BROKER: Record<string, string> = {
  'test/integration/messaging/publish.test.ts > flow control > while the broker blocks the connection, publish waits (abortable) and goes out after unblocked': 'raises a disk alarm through erl_call',
  'test/integration/messaging/publish.test.ts > flow control > without confirms, many large publishes resolve as the socket drains': 'its describe block clears a disk alarm through erl_call',
  "test/integration/retry/tiers.test.ts > a failing classic work queue's message waits in each tier (x-death, broker clock), then reaches the dead-letter queue": 'reads the broker clock through erl_call',
  "test/integration/retry/tiers.test.ts > a failing quorum work queue's message waits in each tier (x-death, broker clock), then reaches the dead-letter queue": 'reads the broker clock through erl_call',
  'test/integration/retry/native.test.ts > which returns each x-delayed-retry-type delays (4.3), and none on 3.10': 'reads the broker clock through erl_call',
  'test/integration/shutdown/consumer-timeout.test.ts > 3.10: the node-wide consumer timeout closes the channel with 406, seen as a ConsumerTimeoutError (a node of its own)': 'starts a RabbitMQ node of its own with consumer_timeout set',
  'test/integration/messaging/declarations.test.ts > queue types > stream: declare, publish, consume from the first offset with a prefetch': 'streams are not implemented by warren/testing',
  'test/integration/rabbitmq4/leader-locator.test.ts > a quorum queue with leaderLocator is declared on both versions': 'reads the leader locator the broker applies through erl_call',
  'test/integration/amqplib/connect.test.ts > warren/amqplib connect > amqps: with the TLS socket options (ca, cert, key) and credentials.external()': 'TLS: warren/testing listens on plain TCP only',
};
