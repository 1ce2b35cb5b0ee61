/** Builds the typed error for a connection.close / channel.close, naming the method it blames. */
import type { ProtocolRegistry } from '../codec/index.js';
import { replyErrorFor } from '../../generated/index.js';

export function replyError(
  registry: ProtocolRegistry,
  close: { replyCode: number; replyText: string; classId: number; methodId: number },
  remote: boolean,
  cause?: unknown,
): Error {
  const { replyCode, replyText, classId, methodId } = close;
  const method = classId ? registry.byId(((classId << 16) | methodId) >>> 0)?.kind : undefined;
  return replyErrorFor({ replyCode, replyText, classId, methodId, method, remote, cause });
}
