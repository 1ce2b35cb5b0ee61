/**
 * Proves the test infrastructure itself, with raw sockets and no warren code: the broker started
 * by global-setup speaks AMQP, rabbitmqctl reaches it, the TLS listener verifies against the test
 * CA (and offers EXTERNAL), and the TCP proxy forwards, stalls and cuts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { afterEach, describe, expect, inject, it } from 'vitest';
import {
  activeResourceAlarms,
  addUser,
  addVhost,
  amqpsUrl,
  amqpUrl,
  brokerVersion,
  clearMemoryAlarm,
  closeConnection,
  deleteUser,
  deleteVhost,
  evalErlang,
  listVhosts,
  listConnections,
  rabbitmqctl,
  setMemoryAlarm,
  tlsFiles,
  uniqueName,
  userVhosts,
  waitForConnection,
} from '../helpers/broker.js';
import { startProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { readTlsPems } from '../helpers/tls.js';

const PROTOCOL_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]); // "AMQP" 0 0 9 1

/** Collects bytes from a socket; `until(n)` resolves once at least n bytes have arrived. */
function collector(socket: Socket | TLSSocket) {
  let buffer = Buffer.alloc(0);
  const waiters: Array<{ n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void }> = [];
  const settle = () => {
    for (const w of [...waiters]) {
      if (buffer.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(buffer);
      }
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    settle();
  });
  socket.on('close', () => {
    for (const w of waiters.splice(0)) w.reject(new Error(`socket closed after ${buffer.length} bytes, wanted ${w.n}`));
  });
  return {
    get bytes() {
      return buffer;
    },
    until(n: number, timeoutMs = 10_000): Promise<Buffer> {
      if (buffer.length >= n) return Promise.resolve(buffer);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${buffer.length} of ${n} bytes within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          n,
          resolve: (b) => {
            clearTimeout(timer);
            resolve(b);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
      });
    },
  };
}

function hostPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

function tcp(url: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(hostPort(url));
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * Checks that `bytes` start with a whole connection.start method frame (spec 2.3.5 frame layout,
 * class 10 method 10) and returns the mechanisms it offers.
 */
function expectConnectionStart(bytes: Buffer): string[] {
  expect(bytes.readUInt8(0)).toBe(1); // frame type: method
  expect(bytes.readUInt16BE(1)).toBe(0); // channel 0
  const size = bytes.readUInt32BE(3);
  expect(bytes.length).toBeGreaterThanOrEqual(7 + size + 1);
  expect(bytes.readUInt8(7 + size)).toBe(0xce); // frame end
  expect(bytes.readUInt16BE(7)).toBe(10); // class connection
  expect(bytes.readUInt16BE(9)).toBe(10); // method start
  expect([bytes.readUInt8(11), bytes.readUInt8(12)]).toEqual([0, 9]); // version-major, version-minor
  const tableSize = bytes.readUInt32BE(13);
  const mechanismsAt = 17 + tableSize;
  const mechanismsLength = bytes.readUInt32BE(mechanismsAt);
  return bytes.subarray(mechanismsAt + 4, mechanismsAt + 4 + mechanismsLength).toString('latin1').split(' ');
}

async function readConnectionStart(socket: Socket | TLSSocket): Promise<string[]> {
  const received = collector(socket);
  socket.write(PROTOCOL_HEADER);
  const head = await received.until(7);
  return expectConnectionStart(await received.until(7 + head.readUInt32BE(3) + 1));
}

const sockets: Array<Socket | TLSSocket> = [];
let proxy: TcpProxy | undefined;

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await proxy?.close();
  proxy = undefined;
});

describe('test broker', () => {
  it('is the RabbitMQ version the test project asks for, as the broker itself reports', () => {
    const version = brokerVersion();
    expect(version.product).toBe('RabbitMQ');
    expect(version.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(version.series).toBe(inject('rabbitmqVersion'));
  });

  it('answers the protocol header with connection.start on its AMQP port', async () => {
    const socket = await tcp(amqpUrl());
    sockets.push(socket);
    const mechanisms = await readConnectionStart(socket);
    expect(mechanisms).toContain('PLAIN');
  });

  it('runs 3.10 from the host and 4.3 in its root, with nothing mounted in the host namespace (no stop path has mounts to undo)', () => {
    const root = inject('brokerRoot');
    expect(root === null).toBe(inject('rabbitmqVersion') === '3.10');
    if (root === null) return;
    expect(existsSync(`${root}/usr/lib/rabbitmq/bin/rabbitmq-server`)).toBe(true);
    const mountPoints = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((line) => line.split(' ')[4]);
    expect(mountPoints.filter((point) => point === root || point?.startsWith(`${root}/`))).toEqual([]);
  });

  it('accepts messages up to 128 MiB on every version (4.x defaults to 16 MiB; the test node is configured)', async () => {
    expect(await evalErlang('element(2, application:get_env(rabbit, max_message_size))')).toBe('134217728');
  });

  it('is reachable with rabbitmqctl', { timeout: 90_000 }, async () => {
    // One call only: each boots an Erlang VM, seconds on a loaded machine.
    expect((await rabbitmqctl('-q', '--no-table-headers', 'list_vhosts')).split('\n')).toContain('/');
  });

  it('adds and deletes vhosts and users, with permissions', async () => {
    const vhost = uniqueName('infra-vhost');
    const user = uniqueName('infra-user');
    await addVhost(vhost);
    try {
      expect(await listVhosts()).toContain(vhost);
      expect(await userVhosts('guest')).toContain(vhost);
      await addUser(user, 'secret', { tags: ['management'], vhost });
      expect(await userVhosts(user)).toEqual([vhost]);
      await expect(addUser(user, 'again')).rejects.toThrow(/user_already_exists/);
      await deleteUser(user);
    } finally {
      await deleteVhost(vhost);
    }
    expect(await listVhosts()).not.toContain(vhost);
    await expect(deleteVhost(vhost)).rejects.toThrow(/no_such_vhost/);
  });

  it('lists a connection in its handshake and force-closes it by broker name', async () => {
    const socket = await tcp(amqpUrl());
    sockets.push(socket);
    await readConnectionStart(socket);
    const local = `127.0.0.1:${socket.localPort} -> `;
    const listed = await waitForConnection((c) => c.name.startsWith(local));
    expect(listed.pid).toMatch(/^<[\d.]+>$/);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    expect(await closeConnection(listed.name, 'infra test')).toBe(1);
    await closed;
    expect((await listConnections()).some((c) => c.name === listed.name)).toBe(false);
    await expect(closeConnection(listed.name)).rejects.toThrow(/no broker connection matches/);
  });

  it('decodes client properties and closes by connection_name and by pid (reply 320)', async () => {
    // amqplib (a dev dependency) does the handshake so that the broker has client properties.
    const amqplib = await import('amqplib');
    const connectionName = uniqueName('infra-conn');
    const connections = await Promise.all([1, 2].map(() => amqplib.connect(amqpUrl(), { clientProperties: { connection_name: connectionName } })));
    const closes = connections.map((c) => new Promise<Error | undefined>((resolve) => {
      c.on('error', () => {});
      c.on('close', resolve);
    }));
    try {
      const listed = (await listConnections()).filter((c) => c.connectionName === connectionName);
      expect(listed).toHaveLength(2);
      expect(listed[0]?.user).toBe('guest');
      expect(listed[0]?.clientProperties.capabilities).toMatchObject({ publisher_confirms: true });
      expect(await closeConnection(listed[0]?.pid ?? '', 'by pid')).toBe(1);
      expect(await closeConnection(connectionName, 'by name')).toBe(1);
      const errors = await Promise.all(closes);
      expect(errors.map((e) => String(e?.message))).toEqual(
        expect.arrayContaining([expect.stringMatching(/320.*by pid/), expect.stringMatching(/320.*by name/)]),
      );
    } finally {
      await Promise.all(connections.map((c) => c.close().catch(() => {})));
    }
  });

  it('raises and clears a memory alarm', async () => {
    try {
      await setMemoryAlarm();
      expect(await activeResourceAlarms()).toEqual(['memory']);
    } finally {
      await clearMemoryAlarm();
    }
    expect(await activeResourceAlarms()).toEqual([]);
  });
});

describe('test broker TLS listener', () => {
  const handshake = (options: { ca: Buffer; cert?: Buffer; key?: Buffer; servername?: string }): Promise<TLSSocket> =>
    new Promise((resolve, reject) => {
      const socket = tlsConnect({ ...hostPort(amqpsUrl()), ...options });
      sockets.push(socket);
      socket.once('secureConnect', () => resolve(socket));
      socket.once('error', reject);
    });

  it('completes a verified handshake against the test CA for 127.0.0.1 and localhost', async () => {
    const pems = readTlsPems(tlsFiles());
    const byIp = await handshake({ ca: pems.ca });
    expect(byIp.authorized).toBe(true);
    const byName = await handshake({ ca: pems.ca, servername: 'localhost' });
    expect(byName.authorized).toBe(true);
  });

  it('offers EXTERNAL to a client presenting a certificate from the CA', async () => {
    const pems = readTlsPems(tlsFiles());
    const socket = await handshake({ ca: pems.ca, cert: pems.clientCert, key: pems.clientKey });
    expect(await readConnectionStart(socket)).toEqual(expect.arrayContaining(['PLAIN', 'AMQPLAIN', 'EXTERNAL']));
  });

  it('is not trusted by a client that trusts only the self-signed certificate', async () => {
    const pems = readTlsPems(tlsFiles());
    await expect(handshake({ ca: pems.selfSignedCert })).rejects.toThrow(/certificate/i);
  });
});

describe('tcp proxy', () => {
  it('forwards, stalls without closing, resumes with held bytes, and cuts', async () => {
    proxy = await startProxy('127.0.0.1', hostPort(amqpUrl()).port);
    expect(proxy.url(amqpUrl())).toBe(`amqp://guest:guest@127.0.0.1:${proxy.port}/`);

    const socket = await tcp(proxy.url(amqpUrl()));
    sockets.push(socket);
    const received = collector(socket);
    await new Promise((resolve) => setTimeout(resolve, 100)); // let the proxy accept and dial upstream

    proxy.stall();
    socket.write(PROTOCOL_HEADER);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(received.bytes.length).toBe(0);
    expect(proxy.bytesForwarded().toTarget).toBe(0);
    expect(socket.destroyed).toBe(false);
    expect(proxy.connectionCount()).toBe(1);

    proxy.resume();
    const head = await received.until(7);
    expectConnectionStart(await received.until(7 + head.readUInt32BE(3) + 1));
    expect(proxy.bytesForwarded().toTarget).toBe(PROTOCOL_HEADER.length);

    const closed = new Promise((resolve) => socket.once('close', resolve));
    proxy.cut();
    await closed;
    expect(proxy.connectionCount()).toBe(0);

    // Still listening after a cut: a reconnect goes through.
    const again = await tcp(proxy.url(amqpUrl()));
    sockets.push(again);
    await readConnectionStart(again);
  });
});
