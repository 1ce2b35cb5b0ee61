/**
 * `warren/testing`: an AMQP 0-9-1 broker that runs inside the test's process, for testing
 * RabbitMQ applications without RabbitMQ. It speaks the real protocol (warren's generated
 * codec, both directions), so any client connects to it unchanged: over TCP on 127.0.0.1, or,
 * for warren, over an in-memory transport. See docs/testing.md.
 *
 * ```ts
 * const broker = await startTestBroker();
 * // connect any client to broker.url ...
 * await broker.close();
 * ```
 */
import { TestBroker, type TestBrokerOptions } from './broker.js';
import * as inspect from './inspect.js';
import { listenTcp, type TcpListener } from './io/tcp.js';

export { TestBroker, TEST_BROKER_PLATFORM, type TestBrokerOptions, type BrokerClock, type ConnectionFilter } from './broker.js';
export type { QueueInfo, MessageInfo, ExchangeInfo, BindingInfo, ConsumerInfo, ConnectionInfo, ChannelInfo } from './inspect.js';
export { AmqpFault } from './errors.js';
export { listenTcp, type TcpListener } from './io/tcp.js';

/** A test broker listening on TCP, with inspection helpers bound to it. */
export interface RunningTestBroker {
  readonly broker: TestBroker;
  /** `amqp://guest:guest@127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** Queues with their counts, like `rabbitmqctl list_queues`. */
  queues(vhost?: string): inspect.QueueInfo[];
  /** The ready messages of a queue, head first. */
  messages(queue: string, vhost?: string): inspect.MessageInfo[];
  exchanges(vhost?: string): inspect.ExchangeInfo[];
  bindings(vhost?: string): inspect.BindingInfo[];
  consumers(vhost?: string): inspect.ConsumerInfo[];
  connections(): inspect.ConnectionInfo[];
  channels(): inspect.ChannelInfo[];
  /** Stops listening and ends every connection. */
  close(): Promise<void>;
}

/** Starts a {@link TestBroker} listening on 127.0.0.1 (a free port unless `port` is given). */
export async function startTestBroker(options: TestBrokerOptions & { port?: number; host?: string } = {}): Promise<RunningTestBroker> {
  const broker = new TestBroker(options);
  const listener: TcpListener = await listenTcp(broker, { host: options.host, port: options.port });
  return {
    broker,
    url: listener.url,
    port: listener.port,
    queues: (vhost) => inspect.listQueues(broker, vhost),
    messages: (queue, vhost) => inspect.listMessages(broker, queue, vhost),
    exchanges: (vhost) => inspect.listExchanges(broker, vhost),
    bindings: (vhost) => inspect.listBindings(broker, vhost),
    consumers: (vhost) => inspect.listConsumers(broker, vhost),
    connections: () => inspect.listConnections(broker),
    channels: () => inspect.listChannels(broker),
    close: async () => {
      broker.dropConnections();
      await listener.close();
    },
  };
}
