/**
 * `warren`: the AMQP 0-9-1 client for RabbitMQ. Names are listed by hand so that the public
 * surface is a decision, not an accident.
 */
export { Connection, type ConnectionEvents, type ConnectionState } from './client/connection.js';
export { connect } from './client/connect.js';
export { Channel, type ChannelEvents, type CallArgs, type CallOptions } from './client/channel.js';
export { ConfigurationError, parseUrl, type ConnectOptions, type TlsOptions, type Logger } from './client/options.js';
export { plain, amqplain, external, type SaslMechanism } from './protocol/sasl.js';
export {
  ConnectionClosedError,
  ChannelClosedError,
  ConnectionLostError,
  HeartbeatTimeoutError,
  ConnectTimeoutError,
  AuthMechanismError,
  ProtocolVersionError,
  OperationAbortedError,
  ChannelLimitError,
  CloseTimeoutError,
} from './errors.js';
export { WarrenError, EncodeError, DecodeError, ReplyError, isWarrenError, isEncodeError, isDecodeError, isReplyError } from './codec/errors.js';
export { field, Field, Decimal, WireTimestamp, orderedTable, tableEntries, type FieldTable, type FieldValue, type Long } from './codec/index.js';
export * from '../generated/errors.js';
export type { BasicProperties } from '../generated/properties.js';
export { diagnostics } from './io/diagnostics.js';
export type { Transport, TransportFactory, TransportSink, TransportTarget } from './io/transport.js';
export { workersTransport } from './io/workers-transport.js';
export { Consumer, ConsumerCancelledError, type ConsumeOptions, type ConsumeHandler, type ConsumerEvents, type ReceiveOptions } from './client/consumer.js';
export { ConsumerCloseTimeoutError, isConsumerCloseTimeoutError, type ConsumerCloseOptions } from './client/consumer-close.js';
export type { HandlerErrorPolicy } from './client/consumer-dispatch.js';
export type { ChannelSetup } from './client/channel-setup.js';
export {
  Exchange,
  Queue,
  Binding,
  UnboundEntityError,
  declare,
  verify,
  Producer,
  MultiConsumer,
  consumeMany,
  type AnyEntity,
  type ExchangeSpec,
  type QueueSpec,
  type BindingSpec,
  type Topology,
  type VerifyEntry,
  type VerifyReport,
  type ProducerOptions,
  type ProducerPublishOptions,
} from './client/entities/index.js';
export { Message, type MessageFields, type MessageOwner } from './client/message.js';
export type { Listener } from './client/emitter.js';
export { MessageSettledError } from './client/acks.js';
export { NackError, UnroutableError, ReturnedMessage, type PublishOptions } from './client/publisher.js';
export { PublishTimeoutError, isPublishTimeoutError } from './client/publish-timeout.js';
export { ConsumerTimeoutError, isConsumerTimeoutError, type ConsumerTimeoutAction } from './client/consumer-timeout.js';
export type { DrainOptions, ShutdownReport } from './client/shutdown.js';
export {
  publishBatch,
  BatchPublishError,
  BatchInputError,
  isBatchPublishError,
  type BatchMessage,
  type BatchPublishOptions,
  type BatchResult,
  type BatchFailure,
} from './client/publish-batch.js';
export {
  SerializerRegistry,
  createSerializers,
  jsonSerializer,
  textSerializer,
  bytesSerializer,
  PayloadError,
  UnknownContentTypeError,
  UnknownCompressionError,
  isPayloadError,
  COMPRESSION_HEADER,
  type Serializer,
  type SerializerRef,
  type Encoded,
  type Compression,
  type RegisterOptions,
} from './client/serializers.js';
export { kombuSerializers } from './client/kombu.js';
export { zlibCompression, brotliCompression, type CompressionOptions } from './client/compression.js';
export type { Body, JsonValue, TextEncoding } from './client/body.js';
export type { ExchangeType, ExchangeOptions, QueueOptions, QueueType, BindOptions } from './client/topology.js';
export type { QueueInfo } from './client/channel.js';
export { createRpcClient, serveRpc, RpcClient, RpcTimeoutError, DIRECT_REPLY_TO, type RpcCallOptions, type RpcClientOptions, type RpcHandler, type ServeRpcOptions } from './client/rpc.js';
export {
  tracing,
  type TraceEndpoint,
  type TraceOutcome,
  type PublishOutcome,
  type PublishEvent,
  type DeliveryFields,
  type GetEvent,
  type ProcessEvent,
  type SettleEvent,
  type RpcEvent,
  type ConnectionEvent,
} from './client/tracing/public.js';
export { BROKER_RULES, BrokerRuleError, DeprecatedFeatureError, isBrokerRuleError, isDeprecatedFeatureError, type BrokerInfo, type BrokerRule, type BrokerRuleAction } from './client/broker-rules.js';
export { StreamConsumer, StreamConsumeError, StreamReplicaUnavailableError, type StreamConsumeOptions, type StreamOffsetStore } from './client/rabbitmq/stream-consumer.js';
export type { StreamOffset, StreamInterval, StreamQueueArguments } from './client/rabbitmq/stream-arguments.js';
export {
  exponentialBackoff,
  fixedDelays,
  delaysOf,
  delayedRetryArguments,
  nativeRetryDelay,
  retryTiers,
  RetryTiers,
  RetryTopologyError,
  nativeRetry,
  NativeRetry,
  retryPlan,
  type RetryPlanOptions,
  retryMessage,
  retrying,
  RetryError,
  type BackoffPolicy,
  type ExponentialBackoffOptions,
  type DelayedRetryOptions,
  type DelayedRetryType,
  type RetryTiersOptions,
  type NativeRetryOptions,
  type RetryPlan,
  type RetryNext,
  type RetryingOptions,
  type Retryable,
  type RetryMechanism,
} from './client/retry/index.js';
export { deadLetterSetup, DeadLetterSetupError, SETTLE_OUTCOMES, type DeadLetterSetupOptions, type DeathRecord, type DeathReason, type QuorumQueueArguments, type SettleOutcome } from './client/rabbitmq/quorum.js';
export { RecoveryFailedError, OutcomeUnknownError, RecoveringError, TopologyRecoveryError, type RecoveredEntity } from './client/recovery/errors.js';
export type { RecoveryOptions, Credentials, CredentialsProvider } from './client/recovery/options.js';
export type { BackoffOptions } from './client/recovery/backoff.js';
export type { Endpoint, EndpointResolver } from './client/recovery/endpoints.js';
export { dnsResolver, type DnsResolverOptions, type ResolvedAddress } from './io/dns-resolver.js';
export type { DisconnectedEvent, ReconnectingEvent, RecoveredEvent, QueueRenamedEvent, NodeInfo } from './client/recovery/events.js';
export type { TopologyRecorder, TopologyFilter, RecordedExchange, RecordedQueue, RecordedBinding, RecordedConsumer, ReplayPlan } from './client/recovery/recorder.js';
export type { ChannelOptions } from './client/channel/settings.js';
