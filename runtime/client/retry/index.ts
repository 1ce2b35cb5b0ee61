/** Delayed retries: backoff policies, native delayed retry (RabbitMQ 4.3), TTL retry tiers, and the consumer-side call. */
export { exponentialBackoff, fixedDelays, delaysOf, type BackoffPolicy, type ExponentialBackoffOptions } from './backoff.js';
export { delayedRetryArguments, nativeRetryDelay, type DelayedRetryOptions, type DelayedRetryType } from './native.js';
export { retryTiers, RetryTiers, RetryTopologyError, type RetryTiersOptions } from './tiers.js';
export { nativeRetry, NativeRetry, retryPlan, type RetryPlanOptions, retryMessage, retrying, RetryError, type NativeRetryOptions, type RetryPlan, type RetryNext, type RetryingOptions, type Retryable, type RetryMechanism } from './retry.js';
