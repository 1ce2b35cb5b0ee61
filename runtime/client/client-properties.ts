/** The client-properties table sent in connection.start-ok. */
import type { FieldTable } from '../codec/index.js';

/** warren's version, kept in step with package.json by a test. */
export const VERSION = '0.1.0';

/** Capabilities RabbitMQ looks for (PROTOCOL-NOTES.md): warren implements each of them. */
export const CAPABILITIES: FieldTable = {
  publisher_confirms: true,
  exchange_exchange_bindings: true,
  'basic.nack': true,
  consumer_cancel_notify: true,
  'connection.blocked': true,
  authentication_failure_close: true,
  per_consumer_qos: true,
  direct_reply_to: true,
};

export function clientProperties(connectionName: string | undefined, extra: FieldTable | undefined): FieldTable {
  const runtime = (globalThis as { process?: { version?: string } }).process?.version;
  const props: FieldTable = {
    product: 'warren',
    version: VERSION,
    platform: runtime ? `Node.js ${runtime}` : 'JavaScript',
    capabilities: CAPABILITIES,
  };
  if (connectionName !== undefined) props.connection_name = connectionName;
  return { ...props, ...extra };
}
