/**
 * warren/amqplib's connect() against the broker: amqplib's URL and options handling (query
 * parameters, the object form, vhost, credentials helpers, TLS socket options with EXTERNAL),
 * the model's events and properties, updateSecret, a broker-closed connection, amqplib's
 * `recovery` option mapped onto warren's, and the callback API.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as amqp from 'warren/amqplib';
import * as callbackApi from 'warren/amqplib/callback_api';
import { amqpUrl, amqpsUrl, closeConnection, tlsFiles, waitForConnection } from '../../helpers/broker.js';
import { model, next, uniqueName } from './fixture.js';

const url = (query: string) => `${amqpUrl().replace(/\/$/, '')}/%2F?${query}`;

describe('warren/amqplib connect', () => {
  it('URL query parameters heartbeat, frameMax, channelMax; model.connection shows what was negotiated', async () => {
    const m = await amqp.connect(url('heartbeat=7&frameMax=8192&channelMax=11&locale=en_US'));
    try {
      expect(m.connection.serverProperties.product).toBe('RabbitMQ');
      expect([m.connection.heartbeat, m.connection.frameMax, m.connection.channelMax]).toEqual([7, 8192, 11]);
    } finally {
      await m.close();
    }
    const off = await amqp.connect(url('heartbeat=0'));
    expect(off.connection.heartbeat).toBe(0); // amqplib 2.0: 0 turns heartbeats off
    await off.close();
    const server = await amqp.connect(amqpUrl());
    expect(server.connection.heartbeat).toBe(60); // absent: the server's proposal
    expect(server.connection.frameMax).toBe(131072);
    await server.close();
  });

  it('the object form, with the default guest/guest; the wrong protocol and wrongly typed options are amqplib’s errors', async () => {
    const { hostname, port } = new URL(amqpUrl());
    const m = await amqp.connect({ protocol: 'amqp', hostname, port: Number(port), vhost: '/', heartbeat: 20, frameMax: 65536 });
    expect([m.connection.heartbeat, m.connection.frameMax]).toEqual([20, 65536]);
    await m.close();
    await expect(amqp.connect('blurble')).rejects.toThrow(/Expected amqp: or amqps: as the protocol/);
    await expect(amqp.connect(url('frameMax=NOT_A_NUMBER'))).rejects.toThrow(/Field 'frameMax' is the wrong type/);
    await expect(amqp.connect(url('heartbeat=NOT_A_NUMBER'))).rejects.toThrow(/Field 'heartbeat' is the wrong type/);
    expect(() => callbackApi.connect('blurble', () => undefined)).toThrow(/Expected amqp: or amqps: as the protocol/);
  });

  it('credentials: plain and amqplain in the socket options; an unknown mechanism and a refused connection are amqplib’s errors', async () => {
    for (const credentials of [amqp.credentials.plain('guest', 'guest'), amqp.credentials.amqplain('guest', 'guest')]) {
      const m = await amqp.connect(amqpUrl(), { credentials, clientProperties: { connection_name: uniqueName(credentials.mechanism) } });
      await m.close();
    }
    expect(amqp.credentials.plain('u', 'p')).toMatchObject({ mechanism: 'PLAIN', username: 'u', password: 'p' });
    expect(amqp.credentials.plain('u', 'p').response()).toEqual(Buffer.from('\u0000u\u0000p'));
    await expect(amqp.connect(amqpUrl(), { credentials: { mechanism: 'UNSUPPORTED', response: () => Buffer.from('') } })).rejects.toThrow('SASL mechanism UNSUPPORTED is not provided by the server');
    const bad = amqpUrl().replace('guest:guest', 'guest:wrong');
    await expect(amqp.connect(bad)).rejects.toMatchObject({ code: 403, message: expect.stringMatching(/^Handshake terminated by server: 403 \(ACCESS-REFUSED\)/) });
    await expect(amqp.connect('amqp://127.0.0.1:1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('amqps: with the TLS socket options (ca, cert, key) and credentials.external()', async () => {
    const f = tlsFiles();
    const name = uniqueName('amqplib-external');
    const m = await amqp.connect(amqpsUrl(), { ca: [readFileSync(f.caCert)], cert: readFileSync(f.clientCert), key: readFileSync(f.clientKey), credentials: amqp.credentials.external(), clientProperties: { connection_name: name } });
    const seen = await waitForConnection((c) => c.connectionName === name);
    expect(seen.user).toBe(f.clientCommonName);
    await m.close();
  });

  it('close(): a close event without error; closing again is an IllegalOperationError; clientProperties reach the broker', async () => {
    const name = uniqueName('amqplib-props');
    const m = await amqp.connect(amqpUrl(), { clientProperties: { connection_name: name, team: 'warren' } });
    const seen = await waitForConnection((c) => c.connectionName === name);
    expect(seen.clientProperties.team).toBe('warren');
    const closed = next<[Error | undefined]>(m, 'close');
    await m.close();
    expect((await closed)[0]).toBeUndefined();
    await expect(m.close()).rejects.toBeInstanceOf(amqp.IllegalOperationError);
    await expect(m.createChannel()).rejects.toBeInstanceOf(amqp.IllegalOperationError);
  });

  it('a connection closed by the broker: error and close carry amqplib’s message with code 320; channels just close', async () => {
    const name = uniqueName('amqplib-forced');
    const m = await model({ clientProperties: { connection_name: name } });
    const ch = await m.createChannel();
    const events: string[] = [];
    ch.on('error', () => events.push('channel error'));
    ch.on('close', () => events.push('channel close'));
    const closed = next<[Error & { code: number }]>(m, 'close');
    await waitForConnection((c) => c.connectionName === name);
    await closeConnection(name, 'bye');
    const [e] = await closed;
    expect(e.message).toBe('Connection closed: 320 (CONNECTION-FORCED) with message "CONNECTION_FORCED - bye"');
    expect(e.code).toBe(320);
    expect(events).toEqual(['channel close']);
  });

  it('updateSecret resolves and emits update-secret-ok', async () => {
    const m = await model();
    const ok = next(m, 'update-secret-ok');
    await m.updateSecret(Buffer.from('guest'), 'rotation');
    await ok;
  });

  it('the recovery option: setup runs once, the model emits disconnect and connect, and the channels and consumers set up go on after the broker closed the connection', async () => {
    const name = uniqueName('amqplib-recovery');
    const q = uniqueName('amqplib-recovered');
    let setups = 0;
    let ch!: amqp.Channel;
    const got: string[] = [];
    const m = await model({
      clientProperties: { connection_name: name },
      recovery: {
        initialDelay: 10, maxDelay: 100,
        async setup(model: amqp.ChannelModel) {
          setups++;
          ch = await model.createChannel();
          await ch.assertQueue(q, { durable: false, autoDelete: false });
          await ch.consume(q, (msg) => msg && (got.push(msg.content.toString()), ch.ack(msg)));
        },
      },
    });
    await next(m, 'connect');
    ch.sendToQueue(q, Buffer.from('before'));
    await expect.poll(() => got).toEqual(['before']);
    const disconnected = next<[Error]>(m, 'disconnect');
    const reconnected = next<[unknown]>(m, 'connect');
    await waitForConnection((c) => c.connectionName === name);
    await closeConnection(name, 'recover me');
    expect((await disconnected)[0]).toBeInstanceOf(Error);
    expect((await reconnected)[0]).toBe(m);
    ch.sendToQueue(q, Buffer.from('after'));
    await expect.poll(() => got).toEqual(['before', 'after']);
    expect(setups).toBe(1);
    await ch.deleteQueue(q);
  });
});

describe('warren/amqplib/callback_api', () => {
  it('connect, createChannel, declare, publish, consume, get, ack, close: each with a node-style callback', async () => {
    const model = await new Promise<callbackApi.CallbackModel>((resolve, reject) => callbackApi.connect(amqpUrl(), (err, m) => (err ? reject(err) : resolve(m!))));
    const ch = await new Promise<callbackApi.CallbackChannel>((resolve, reject) => model.createChannel((err, c) => (err ? reject(err) : resolve(c!))));
    const ok = await new Promise<{ queue: string }>((resolve, reject) => ch.assertQueue('', { exclusive: true }, (err, r) => (err ? reject(err) : resolve(r as { queue: string }))));
    ch.sendToQueue(ok.queue, Buffer.from('cb'));
    const msg = await new Promise<amqp.ConsumeMessage>((resolve) => ch.consume(ok.queue, (m) => m && resolve(m)));
    expect(msg.content.toString()).toBe('cb');
    ch.ack(msg);
    const failed = await new Promise<Error | null>((resolve) => ch.checkQueue(uniqueName('nope'), (err) => resolve(err)));
    expect(failed).toMatchObject({ code: 404 });
    const cc = await new Promise<callbackApi.CallbackConfirmChannel>((resolve, reject) => model.createConfirmChannel({}, (err, c) => (err ? reject(err) : resolve(c!))));
    const confirmed = await new Promise<Error | null>((resolve) => cc.sendToQueue(ok.queue, Buffer.from('c'), {}, (err) => resolve(err)));
    expect(confirmed).toBeNull();
    await new Promise<void>((resolve, reject) => cc.waitForConfirms((err) => (err ? reject(err) : resolve())));
    const closeErr = await new Promise<Error | null>((resolve) => model.close((err) => resolve(err)));
    expect(closeErr).toBeNull();
  });
});
