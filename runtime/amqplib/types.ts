/**
 * The shapes of amqplib's API (its documented options, replies and messages), so that code typed
 * against amqplib type-checks against warren/amqplib. `warren` in the connect options is the way
 * to warren's own settings.
 */
import type { ChannelOptions as WarrenChannelOptions, ConnectOptions } from '../index.js';

/** amqplib's credentials object: a SASL mechanism name and its initial response. */
export interface AmqplibCredentials {
  mechanism: string;
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

export interface DeleteQueueOptions {
  ifUnused?: boolean;
  ifEmpty?: boolean;
}

export interface AssertExchangeOptions {
  durable?: boolean;
  internal?: boolean;
  autoDelete?: boolean;
  alternateExchange?: string;
  arguments?: any;
}

export interface DeleteExchangeOptions {
  ifUnused?: boolean;
}

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

export interface ConsumeOptions {
  consumerTag?: string;
  /** Accepted and sent nowhere: RabbitMQ does not implement no-local. */
  noLocal?: boolean;
  noAck?: boolean;
  exclusive?: boolean;
  priority?: number;
  arguments?: any;
}

export interface GetOptions {
  noAck?: boolean;
}

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

export interface ConsumeMessage extends Message {
  fields: MessageFields & { consumerTag: string };
}

export interface GetMessage extends Message {
  fields: MessageFields & { messageCount: number };
}

export namespace Replies {
  export type Empty = Record<string, never>;
  export interface AssertQueue {
    queue: string;
    messageCount: number;
    consumerCount: number;
  }
  export interface PurgeQueue {
    messageCount: number;
  }
  export interface DeleteQueue {
    messageCount: number;
  }
  export interface AssertExchange {
    exchange: string;
  }
  export interface Consume {
    consumerTag: string;
  }
  export interface Cancel {
    consumerTag: string;
  }
}
