/** Declarative entities, producers and multi-queue consumers (kombu's model), on top of Channel. */
export { Exchange, Queue, Binding, UnboundEntityError, type AnyEntity, type ExchangeSpec, type QueueSpec, type BindingSpec } from './entities.js';
export { declare, verify, type Topology, type VerifyEntry, type VerifyReport } from './declare.js';
export { Producer, type ProducerOptions, type ProducerPublishOptions } from './producer.js';
export { MultiConsumer, consumeMany } from './multi-consumer.js';
