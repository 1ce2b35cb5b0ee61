/**
 * `warren/testing`: an AMQP 0-9-1 broker that runs inside the test's process, for testing
 * RabbitMQ applications without RabbitMQ. It speaks the real protocol (warren's generated
 * codec, both directions), so any client connects to it unchanged: over TCP on 127.0.0.1, or,
 * for warren, over an in-memory transport. See docs/testing.md.
 *
 * ```ts
 * const broker = createTestBroker();                                   // in memory
 * const connection = await connect(broker.url, { transport: broker.transport });
 * const tcp = await startTestBroker();                                 // any client: tcp.url
 * ```
 */
import { TestBroker, type TestBrokerOptions } from './broker.js';
import * as inspect from './inspect.js';
import { listenTcp, type TcpListener } from './io/tcp.js';
import { memoryAttachment } from './memory.js';
import type { TransportFactory } from '../io/transport.js';

export { TestBroker, TEST_BROKER_PLATFORM, type TestBrokerOptions, type BrokerClock, type ConnectionFilter } from './broker.js';
export type { QueueInfo, MessageInfo, ExchangeInfo, BindingInfo, ConsumerInfo, ConnectionInfo, ChannelInfo } from './inspect.js';
export { AmqpFault } from './errors.js';
export { listenTcp, type TcpListener } from './io/tcp.js';
export { memoryAttachment } from './memory.js';

/** A test broker with inspection helpers bound to it. */
export interface RunningTestBroker {
  readonly broker: TestBroker;
  /**
   * `amqp://guest:guest@127.0.0.1:PORT` when listening on TCP; with the in-memory transport only,
   * `amqp://guest:guest@warren-testing/` (the host is never resolved: the transport decides).
   */
  readonly url: string;
  /** The TCP port, or 0 when not listening. */
  readonly port: number;
  /** For warren's `connect(url, { transport })`: each connection is an in-memory pipe to this broker. */
  readonly transport: TransportFactory;
  /** Queues with their counts, like `rabbitmqctl list_queues`. */
  queues(vhost?: string): inspect.QueueInfo[];
  /** The ready messages of a queue, head first. */
  messages(queue: string, vhost?: string): inspect.MessageInfo[];
  /** Exchanges, like `rabbitmqctl list_exchanges`. */
  exchanges(vhost?: string): inspect.ExchangeInfo[];
  /** Bindings, the default exchange's implicit ones included, like `rabbitmqctl list_bindings`. */
  bindings(vhost?: string): inspect.BindingInfo[];
  /** Consumers, like `rabbitmqctl list_consumers`. */
  consumers(vhost?: string): inspect.ConsumerInfo[];
  /** Open connections, like `rabbitmqctl list_connections`. */
  connections(): inspect.ConnectionInfo[];
  /** Open channels, like `rabbitmqctl list_channels`. */
  channels(): inspect.ChannelInfo[];
  /** Stops listening and ends every connection. */
  close(): Promise<void>;
}

function running(broker: TestBroker, url: string, port: number, stop: () => Promise<void>): RunningTestBroker {
  return {
    broker,
    url,
    port,
    transport: memoryAttachment(broker),
    queues: (vhost) => inspect.listQueues(broker, vhost),
    messages: (queue, vhost) => inspect.listMessages(broker, queue, vhost),
    exchanges: (vhost) => inspect.listExchanges(broker, vhost),
    bindings: (vhost) => inspect.listBindings(broker, vhost),
    consumers: (vhost) => inspect.listConsumers(broker, vhost),
    connections: () => inspect.listConnections(broker),
    channels: () => inspect.listChannels(broker),
    close: async () => {
      broker.dropConnections();
      await stop();
    },
  };
}

/** A {@link TestBroker} reachable through the in-memory transport only (no socket). */
export function createTestBroker(options: TestBrokerOptions = {}): RunningTestBroker {
  return running(new TestBroker(options), 'amqp://guest:guest@warren-testing/', 0, async () => {});
}

/** Starts a {@link TestBroker} listening on 127.0.0.1 (a free port unless `port` is given), and in memory. */
export async function startTestBroker(options: TestBrokerOptions & { port?: number; host?: string } = {}): Promise<RunningTestBroker> {
  const broker = new TestBroker(options);
  const listener: TcpListener = await listenTcp(broker, { host: options.host, port: options.port });
  return running(broker, listener.url, listener.port, () => listener.close());
}
