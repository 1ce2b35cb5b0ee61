// The Promise API over a fake socket (no broker): what a real broker cannot be made to do on
// cue. A publish must never hang or report success for bytes that did not go out.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { AnyMethod } from '../../../runtime/codec/index.js';
import { Connection } from '../../../runtime/client/connection.js';
import { resolveOptions } from '../../../runtime/client/options.js';
import { SocketDriver } from '../../../runtime/io/driver.js';
import { ConnectionCore } from '../../../runtime/protocol/connection.js';
import { DEFAULT_CORE_OPTIONS, ScriptedPeer } from '../../helpers/scripted-peer.js';

class FakeSocket extends EventEmitter {
  writableNeedDrain = false;
  written = 0;
  setNoDelay(): void {}
  cork(): void {}
  uncork(): void {}
  write(c: Uint8Array): boolean {
    this.written += c.length;
    return true;
  }
  end(): void {}
  destroy(): void {
    setImmediate(() => this.emit('close'));
  }
}

async function openFake() {
  const server = new ScriptedPeer(); // builds server frames only
  let conn: Connection | undefined;
  const core = new ConnectionCore(DEFAULT_CORE_OPTIONS, (e) => conn?.onEvent(e));
  const socket = new FakeSocket();
  const driver = new SocketDriver(core, socket as never, 'fake');
  driver.start();
  core.receive(server.start(), 0);
  core.receive(server.tune(), 0);
  core.receive(server.method(0, { kind: 'connection.open-ok' } as AnyMethod), 0);
  conn = new Connection(core, driver, resolveOptions(undefined, {}));
  conn.on('error', () => undefined);
  const opening = conn.channel();
  core.receive(server.method(1, { kind: 'channel.open-ok' } as AnyMethod), 0);
  return { server, core, socket, conn, ch: await opening };
}

const settled = (p: Promise<unknown>) =>
  Promise.race([p.then(() => 'resolved', (e: Error) => `rejected: ${e.name}`), new Promise((r) => setTimeout(() => r('pending'), 300))]);

describe('publish over a fake socket', () => {
  it('a publish waiting for drain is rejected, not resolved, when the connection is lost', async () => {
    const { socket, ch } = await openFake();
    socket.writableNeedDrain = true; // the socket buffer is full
    const p = ch.publish('', 'q', 'important');
    socket.emit('error', new Error('ECONNRESET'));
    socket.emit('close');
    expect(await settled(p)).toBe('rejected: ConnectionLostError');
  });

  it('publish on a closed channel of a blocked connection rejects at once instead of waiting forever', async () => {
    const { server, core, conn, ch } = await openFake();
    core.receive(server.method(0, { kind: 'connection.blocked', reason: 'low on memory' } as AnyMethod), 0);
    expect(conn.isBlocked).toBe(true);
    const closing = ch.close();
    core.receive(server.method(1, { kind: 'channel.close-ok' } as AnyMethod), 0);
    await closing;
    expect(await settled(ch.publish('', 'q', 'x'))).toBe('rejected: ChannelClosedError');
  });
});
