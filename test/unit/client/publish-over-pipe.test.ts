// The Promise API over an in-memory transport (no broker): what a real broker cannot be made to
// do on cue. A publish must never hang or report success for bytes that did not go out.
import { describe, expect, it } from 'vitest';
import { connect } from '../../../runtime/index.js';
import { memoryTransport } from '../../../runtime/io/memory-transport.js';
import { ScriptedBroker } from '../../helpers/scripted-peer.js';

async function openPipe() {
  let broker!: ScriptedBroker;
  // A high water mark of one byte: any write the broker does not read makes the client wait.
  const transport = memoryTransport((server) => (broker = new ScriptedBroker(server)), { highWaterMark: 1 });
  const conn = await connect({ transport, recovery: false });
  conn.on('error', () => undefined);
  const ch = await conn.channel();
  return { broker, conn, ch };
}

const settled = (p: Promise<unknown>) =>
  Promise.race([p.then(() => 'resolved', (e: Error) => `rejected: ${e.name}`), new Promise((r) => setTimeout(() => r('pending'), 300))]);

describe('publish over an in-memory transport', () => {
  it('a publish waiting for drain is rejected, not resolved, when the connection is lost', async () => {
    const { broker, ch } = await openPipe();
    broker.end.pause(); // the broker stops reading: the client's buffer fills
    await ch.publish('', 'q', 'fills the buffer'); // handed to the transport: resolves
    while (!broker.end.peer.needsDrain) await new Promise((resolve) => setImmediate(resolve)); // the flush is on the next turn
    const p = ch.publish('', 'q', 'important'); // waits for room
    broker.end.peer.fail(new Error('ECONNRESET'));
    expect(await settled(p)).toBe('rejected: ConnectionLostError');
  });

  it('publish on a closed channel of a blocked connection rejects at once instead of waiting forever', async () => {
    const { broker, conn, ch } = await openPipe();
    const blocked = new Promise((resolve) => conn.once('blocked', resolve));
    broker.method(0, { kind: 'connection.blocked', reason: 'low on memory' });
    await blocked;
    expect(conn.isBlocked).toBe(true);
    await ch.close();
    expect(await settled(ch.publish('', 'q', 'x'))).toBe('rejected: ChannelClosedError');
  });
});
