/**
 * Errors of the client's configuration (options.ts and recovery/ options). The connection and
 * channel errors shared with the sans-io core are in runtime/errors.ts; a channel's outage
 * errors in channel/errors.ts; recovery's in recovery/errors.ts.
 */
import { WarrenError } from '../codec/errors.js';

/** A URL or option that cannot be used. The message never contains the password. */
export class ConfigurationError extends WarrenError {
  override name = 'ConfigurationError';
}
