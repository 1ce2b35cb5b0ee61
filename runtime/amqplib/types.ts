/**
 * The shapes of amqplib's API (its documented options, replies and messages), so that code typed
 * against amqplib type-checks against warren/amqplib. `warren` in the connect options is the way
 * to warren's own settings.
 */
import type { ChannelOptions as WarrenChannelOptions, ConnectOptions } from '../index.js';

/** amqplib's credentials object: a SASL mechanism name and its initial response. */
export interface AmqplibCredentials {
  mechanism: string;
  /** The mechanism's initial response (e.g. PLAIN's `\0user\0password`). */
  response(): Uint8Array;
  username?: string;
  password?: string;
}

/** connect()'s first argument as an object (amqplib's Options.Connect). */
export interface ConnectObject {
  protocol?: string;
  hostname?: string;
  port?: number;
  username?: string;
  password?: string;
  locale?: string;
  frameMax?: number;
  maxFrameSize?: number;
  heartbeat?: number;
  vhost?: string;
  channelMax?: number;
}

/** amqplib 1.1+'s `recovery` option. */
export interface RecoveryOptions {
  /** Default 100 ms. */
  initialDelay?: number;
  /** Default 30,000 ms. */
  maxDelay?: number;
  /** Default 2. */
  factor?: number;
  /** Default 0.2. */
  jitter?: number;
  /** Default Infinity. */
  maxRetries?: number;
  /** Default maxRetries. */
  initialMaxRetries?: number;
  /** Declares what the application needs; run once the first connection is open (warren then recovers it: see docs/amqplib.md). */
  setup?: ((model: any) => Promise<void> | void) | ((model: any, done: (err?: Error) => void) => void);
  /** Default true: connect() waits for the first connection. */
  waitForConnect?: boolean;
  /** Accepted for amqplib's shape; warren's backoff is exponential with jitter (see docs/amqplib.md). */
  calculateDelay?: (attempt: number) => number;
  /** `false` turns recovery off. */
  enabled?: boolean;
}

/** connect()'s second argument (amqplib's SocketOptions), plus `warren` for warren's own options. */
export interface SocketOptions {
  noDelay?: boolean;
  /** Connection timeout, ms. */
  timeout?: number;
  keepAlive?: boolean;
  keepAliveDelay?: number;
  clientProperties?: Record<string, unknown>;
  credentials?: AmqplibCredentials;
  /** TLS (amqps:), as node:tls takes them. */
  ca?: string | Uint8Array | (string | Uint8Array)[];
  cert?: string | Uint8Array;
  key?: string | Uint8Array;
  passphrase?: string;
  servername?: string;
  rejectUnauthorized?: boolean;
  recovery?: RecoveryOptions | boolean;
  /** warren's own connect options, merged over what the amqplib options give (recovery, logger, hosts...). */
  warren?: ConnectOptions;
  [key: string]: unknown;
}

/** createChannel()'s options. */
export interface ChannelOptions {
  /** publish() returns false once this many publishes wait for the socket (default 1024, as amqplib). */
  highWaterMark?: number;
  /** warren's channel options (recovery behaviour). */
  warren?: WarrenChannelOptions;
}

/** assertQueue()'s options; the named ones become the `x-` arguments RabbitMQ reads (`messageTtl` → `x-message-ttl`). */
export interface AssertQueueOptions {
  exclusive?: boolean;
  durable?: boolean;
  autoDelete?: boolean;
  arguments?: any;
  messageTtl?: number;
  expires?: number;
  deadLetterExchange?: string;
  deadLetterRoutingKey?: string;
  maxLength?: number;
  maxPriority?: number;
  overflow?: string;
  queueMode?: string;
}

/** deleteQueue()'s options: delete only an unused or an empty queue. */
export interface DeleteQueueOptions {
  ifUnused?: boolean;
  ifEmpty?: boolean;
}

/** assertExchange()'s options (`alternateExchange` → the `alternate-exchange` argument). */
export interface AssertExchangeOptions {
  durable?: boolean;
  internal?: boolean;
  autoDelete?: boolean;
  alternateExchange?: string;
  arguments?: any;
}

/** deleteExchange()'s options: delete only an exchange with no bindings. */
export interface DeleteExchangeOptions {
  ifUnused?: boolean;
}

/** publish()'s options: the message properties, `mandatory`, and RabbitMQ's `CC`/`BCC` headers. */
export interface PublishOptionsAmqplib {
  expiration?: string | number;
  userId?: string;
  CC?: string | string[];
  BCC?: string | string[];
  mandatory?: boolean;
  persistent?: boolean;
  deliveryMode?: boolean | number;
  contentType?: string;
  contentEncoding?: string;
  headers?: any;
  priority?: number;
  correlationId?: string;
  replyTo?: string;
  messageId?: string;
  /** Seconds since the epoch (sent as given), or a Date. */
  timestamp?: number | Date;
  type?: string;
  appId?: string;
}

/** consume()'s options. */
export interface ConsumeOptions {
  consumerTag?: string;
  /** Accepted and sent nowhere: RabbitMQ does not implement no-local. */
  noLocal?: boolean;
  noAck?: boolean;
  exclusive?: boolean;
  priority?: number;
  arguments?: any;
}

/** get()'s options. */
export interface GetOptions {
  noAck?: boolean;
}

/** A message's delivery fields (`messageCount` from get(), `consumerTag` for a consumer). */
export interface MessageFields {
  deliveryTag: number;
  redelivered: boolean;
  exchange: string;
  routingKey: string;
  messageCount?: number;
  consumerTag?: string;
}

/** A delivered, fetched or returned message, as amqplib hands it over. */
export interface Message {
  content: Buffer;
  fields: MessageFields;
  properties: MessageProperties;
}

/** A message's properties, as amqplib gives them (absent ones undefined). */
export interface MessageProperties {
  contentType?: any;
  contentEncoding?: any;
  headers?: Record<string, any>;
  deliveryMode?: any;
  priority?: any;
  correlationId?: any;
  replyTo?: any;
  expiration?: any;
  messageId?: any;
  timestamp?: any;
  type?: any;
  userId?: any;
  appId?: any;
  clusterId?: any;
}

/** A message delivered to a consumer. */
export interface ConsumeMessage extends Message {
  fields: MessageFields & { consumerTag: string };
}

/** A message fetched with get(). */
export interface GetMessage extends Message {
  fields: MessageFields & { messageCount: number };
}

/** The replies of the channel operations. */
export namespace Replies {
  /** A reply with no fields. */
  export type Empty = Record<string, never>;
  /** assertQueue() and checkQueue(): the queue's name (server-named or given) and counts. */
  export interface AssertQueue {
    queue: string;
    messageCount: number;
    consumerCount: number;
  }
  /** purgeQueue(): how many messages were removed. */
  export interface PurgeQueue {
    messageCount: number;
  }
  /** deleteQueue(): how many messages were deleted with the queue. */
  export interface DeleteQueue {
    messageCount: number;
  }
  /** assertExchange(): the exchange's name. */
  export interface AssertExchange {
    exchange: string;
  }
  /** consume(): the consumer's tag. */
  export interface Consume {
    consumerTag: string;
  }
  /** cancel(): the cancelled consumer's tag. */
  export interface Cancel {
    consumerTag: string;
  }
}
