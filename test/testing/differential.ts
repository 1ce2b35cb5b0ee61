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
  'test/integration/connection/handshake.test.ts': 'users and vhosts created through erl_call; negotiated settings read with rabbitmqctl',
  'test/integration/connection/secrets.test.ts': 'users created through erl_call',
  'test/integration/connection/lifecycle.test.ts': 'closes connections and raises memory alarms through rabbitmqctl/erl_call',
  'test/integration/connection/channels.test.ts': 'reads negotiated settings with rabbitmqctl',
  'test/integration/ergonomics/channel-and-options.test.ts': 'lists connections through erl_call',
  'test/integration/ergonomics/entities-recovery.test.ts': 'closes connections through erl_call',
  'test/integration/ergonomics/review.test.ts': 'closes connections through erl_call',
  'test/integration/otel/otel.test.ts': 'closes connections through erl_call',
  'test/integration/recovery/basics.test.ts': 'closes connections through erl_call',
  'test/integration/recovery/forced-kills.test.ts': 'kills connections with rabbitmqctl',
  'test/integration/recovery/interrupted.test.ts': 'stops the node with rabbitmqctl',
  'test/integration/recovery/network.test.ts': 'closes connections through erl_call',
  'test/integration/recovery/topology.test.ts': 'closes connections through erl_call',
  'test/integration/messaging/publish.test.ts': 'reads broker internals through erl_call',
  'test/examples.test.ts': 'closes connections through erl_call',
  'test/integration/retry/tiers.test.ts': 'reads the broker clock through erl_call and queue counts with rabbitmqctl; closes a connection through erl_call',
  'test/integration/retry/native.test.ts': 'native delayed retry of quorum queues (RabbitMQ 4.3), read from the queue state through erl_call',
  'test/readme.test.ts': 'the README snippets declare a stream',
  'test/runtimes/portable.test.ts': 'closes connections through erl_call, TLS with the broker CA (and runs four runtimes: once per broker is enough)',
};

/**
 * Single tests left out of files that otherwise run, keyed `file > describe > ... > test`, each
 * with the reason; test/testing/setup.ts skips them with that reason as the skip note.
 */
export const TESTS_NOT_ON_TEST_BROKER: Record<string, string> = {
  'test/integration/messaging/declarations.test.ts > queue types > stream: declare, publish, consume from the first offset with a prefetch': 'streams are not implemented by warren/testing',
  'test/integration/amqplib/connect.test.ts > warren/amqplib connect > amqps: with the TLS socket options (ca, cert, key) and credentials.external()': 'TLS: warren/testing listens on plain TCP only',
  'test/integration/amqplib/connect.test.ts > warren/amqplib connect > close(): a close event without error; closing again is an IllegalOperationError; clientProperties reach the broker': 'lists connections through erl_call',
  'test/integration/amqplib/connect.test.ts > warren/amqplib connect > a connection closed by the broker: error and close carry amqplib’s message with code 320; channels just close': 'closes the connection through erl_call',
  'test/integration/amqplib/connect.test.ts > warren/amqplib connect > the recovery option: setup runs once, the model emits disconnect and connect, and the channels and consumers set up go on after the broker closed the connection': 'closes the connection through erl_call',
  'test/integration/amqplib/connection-manager.test.ts > amqp-connection-manager over warren/amqplib > reconnects after the broker closes the connection (the model closes, the manager connects again and reruns its setup)': 'closes the connection through erl_call',
};
