/**
 * The server side of one AMQP 0-9-1 connection of the test broker, over any byte transport.
 *
 * Theory of operation. States, in order: `header` (waiting for `AMQP 0 0 9 1`) → `start-ok` →
 * `tune-ok` → `open` (waiting for connection.open) → `running` → `closing` (the broker sent
 * connection.close and waits for close-ok; everything else is dropped, spec 2.2.4) → `closed`.
 * Bytes go through warren's FrameParser; methods are decoded with the generated registry and
 * handed to their {@link ServerChannel}. A refusal thrown while handling a method becomes
 * channel.close (soft) or connection.close (hard) naming that method's class and method ids. A
 * closing channel drops everything but channel.close-ok. While the broker is blocked (a
 * resource alarm), the first basic.publish is held with every frame after it until unblock.
 */
import { DecodeError, isDecodeError, type AnyMethod, type FieldTable } from '../codec/index.js';
import { decodeContentHeader, decodeMethod, FrameParser } from '../frame/index.js';
import { registry } from '../../generated/index.js';
import type { BasicProperties, ConnectionOpen, ConnectionStartOk, ConnectionTuneOk } from '../../generated/index.js';
import { ServerChannel, type ChannelHost, type ChannelServices } from './channel.js';
import { AmqpFault, fault } from './errors.js';
import { Output } from './output.js';
import { credentials, MECHANISMS } from './sasl.js';
import type { VirtualHost } from './vhost.js';

/** The byte pipe under a connection (a socket, or one end of an in-memory pair). */
export interface ByteTransport {
  write(bytes: Uint8Array): void;
  /** Ends the transport; the connection calls it once. */
  close(): void;
}

/** What a connection needs from its broker. */
export interface ConnectionBroker extends ChannelServices {
  now(): number;
  readonly serverProperties: FieldTable;
  readonly tune: { readonly channelMax: number; readonly frameMax: number; readonly heartbeat: number };
  login(user: string, password: string): boolean;
  /** The vhost the user may open, or the fault to close with. */
  openVhost(name: string, user: string): VirtualHost | AmqpFault;
  /** The resource-alarm reason while publishers are blocked. */
  readonly blockedReason: string | undefined;
  closed(connection: ServerConnection): void;
}

type State = 'header' | 'start-ok' | 'tune-ok' | 'open' | 'running' | 'closing' | 'closed';

const HEADER = [0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1];
const encoder = new TextEncoder();

/** One client connection. */
export class ServerConnection implements ChannelHost {
  readonly connection: number;
  state: State = 'header';
  user = '';
  vhostName = '';
  mechanism = '';
  clientProperties: FieldTable = {};
  channelMax = 0;
  /** Negotiated frame_max (0 before tune-ok). */
  frameMax = 0;
  heartbeat = 0;
  readonly channels = new Map<number, ServerChannel>();
  readonly exclusiveQueues = new Set<string>();
  /** When the connection was accepted, ms. */
  readonly since: number;
  /** How the broker names it, e.g. `127.0.0.1:50312 -> 127.0.0.1:5672` (RabbitMQ's form over TCP). */
  readonly name: string;
  private vhostRef: VirtualHost | undefined;
  private readonly parser = new FrameParser();
  private readonly out: Output;
  private readonly broker: ConnectionBroker;
  private readonly transport: ByteTransport;
  private head: number[] = [];
  private held: { type: number; channel: number; payload: Uint8Array } | undefined;
  private frozen = false;
  private lastInput: number;
  private lastOutput: number;
  private stopTimers: (() => void) | undefined;
  private closeTimer: (() => void) | undefined;

  constructor(id: number, transport: ByteTransport, broker: ConnectionBroker, name = `in-memory #${id}`) {
    this.connection = id;
    this.name = name;
    this.transport = transport;
    this.broker = broker;
    this.since = broker.now();
    this.lastInput = this.lastOutput = this.since;
    this.out = new Output((bytes) => {
      this.lastOutput = this.broker.now();
      this.transport.write(bytes);
    });
  }

  get vhost(): VirtualHost {
    return this.vhostRef as VirtualHost;
  }

  get services(): ChannelServices {
    return this.broker;
  }

  get capabilities(): FieldTable {
    const c = this.clientProperties.capabilities;
    return c && typeof c === 'object' && !Array.isArray(c) ? (c as FieldTable) : {};
  }

  get cancelNotify(): boolean {
    return this.capabilities.consumer_cancel_notify === true;
  }

  /** True while a publish is held by a resource alarm. */
  get blocked(): boolean {
    return this.held !== undefined;
  }

  exclusiveDeclared(queue: string): void {
    this.exclusiveQueues.add(queue);
  }

  send(channel: number, m: AnyMethod): void {
    this.out.method(channel, m);
  }

  sendContent(channel: number, m: AnyMethod, message: Parameters<ChannelHost['sendContent']>[2]): void {
    this.out.content(channel, m, message);
  }

  /** Bytes from the client. */
  receive(chunk: Uint8Array): void {
    if (this.frozen || this.state === 'closed') return;
    this.lastInput = this.broker.now();
    if (this.state === 'header') {
      const need = 8 - this.head.length;
      for (let i = 0; i < Math.min(need, chunk.length); i++) this.head.push(chunk[i] as number);
      if (this.head.length < 8) return;
      if (this.head.some((b, i) => b !== HEADER[i])) {
        this.out.raw(Uint8Array.from(HEADER));
        this.out.flush();
        this.end();
        return;
      }
      this.start();
      chunk = chunk.subarray(need);
      if (chunk.length === 0) return;
    }
    try {
      this.parser.push(chunk);
    } catch (e) {
      this.decodeFailed(e);
      return;
    }
    this.drain();
  }

  private drain(): void {
    while (!this.held && !this.frozen && this.state !== 'closed') {
      let frame;
      try {
        frame = this.parser.next();
      } catch (e) {
        this.decodeFailed(e);
        return;
      }
      if (!frame) return;
      this.frame(frame.type, frame.channel, frame.payload);
    }
  }

  private decodeFailed(e: unknown): void {
    if (isDecodeError(e) && !e.fatal) this.closeConnection(new AmqpFault(e.replyCode, e.message), 0, 0);
    else this.end();
  }

  private start(): void {
    this.state = 'start-ok';
    this.send(0, {
      kind: 'connection.start', versionMajor: 0, versionMinor: 9, serverProperties: this.broker.serverProperties,
      mechanisms: encoder.encode(MECHANISMS.join(' ')), locales: encoder.encode('en_US'),
    } as AnyMethod);
  }

  private frame(type: number, channel: number, payload: Uint8Array): void {
    if (type === 8) return;
    let m: AnyMethod | undefined;
    try {
      if (type === 1) m = decodeMethod(registry, payload);
      if (channel === 0) {
        if (!m) throw fault.commandInvalid(`unexpected content frame on channel 0`);
        this.connectionMethod(m);
        return;
      }
      if (this.state === 'closing') return;
      if (this.state !== 'running') throw fault.channelError(`unexpected frame on channel ${channel} before connection.open-ok`);
      if (m && m.kind.startsWith('connection.')) throw fault.commandInvalid(`${m.kind} on channel ${channel}`);
      this.channelFrame(type, channel, payload, m);
    } catch (e) {
      const def = m ? registry.byKind(m.kind) : undefined;
      this.refuse(e, channel, def?.classId ?? 0, def?.methodId ?? 0);
    }
  }

  private refuse(e: unknown, channel: number, classId: number, methodId: number): void {
    const f = e instanceof AmqpFault ? e : isDecodeError(e) ? new AmqpFault((e as DecodeError).replyCode, (e as Error).message) : fault.internalError(String(e instanceof Error ? e.message : e));
    if (f.hard || channel === 0) this.closeConnection(f, classId, methodId);
    else this.closeChannel(channel, f, classId, methodId);
  }

  private channelFrame(type: number, channel: number, payload: Uint8Array, m: AnyMethod | undefined): void {
    const ch = this.channels.get(channel);
    if (!ch) {
      if (m?.kind !== 'channel.open') throw fault.channelError(`expected 'channel.open' on channel ${channel}`);
      if (this.channelMax > 0 && channel > this.channelMax) throw fault.notAllowed(`channel ${channel} is above channel_max ${this.channelMax}`);
      this.channels.set(channel, new ServerChannel(channel, this));
      this.send(channel, { kind: 'channel.open-ok' });
      return;
    }
    if (ch.state === 'closing') {
      if (m?.kind === 'channel.close-ok') this.channels.delete(channel);
      else if (m?.kind === 'channel.close') this.send(channel, { kind: 'channel.close-ok' });
      return;
    }
    if (type === 1) {
      const mm = m as AnyMethod;
      if (ch.pending) throw fault.unexpectedFrame(`expected content header for class 60, got non content header frame instead`);
      if (mm.kind === 'channel.open') throw fault.channelError(`second 'channel.open' seen`);
      if (mm.kind === 'channel.close') {
        ch.release();
        this.channels.delete(channel);
        this.send(channel, { kind: 'channel.close-ok' });
        return;
      }
      if (mm.kind === 'channel.close-ok') return;
      if (mm.kind === 'basic.publish' && this.broker.blockedReason !== undefined) {
        this.held = { type, channel, payload: payload.slice() };
        return;
      }
      const reply = ch.handle(mm);
      if (reply) this.send(channel, reply);
      return;
    }
    if (type === 2) {
      if (!ch.pending || ch.pending.body) throw fault.unexpectedFrame(`expected method frame, got non method frame instead`);
      const h = decodeContentHeader<BasicProperties>(registry, payload);
      if (h.classId !== 60) throw fault.unexpectedFrame(`content header for class ${h.classId} with basic.publish`);
      this.withPublish(ch, () => ch.header(Number(h.bodySize), h.properties, payload));
      return;
    }
    if (!ch.pending?.body) throw fault.unexpectedFrame(`expected content header for class 60, got non content header frame instead`);
    let fits = true;
    this.withPublish(ch, () => {
      fits = ch.body(payload);
    });
    if (!fits) throw fault.unexpectedFrame(`content body larger than the announced body size`);
  }

  /** Runs a content step; a refusal names basic.publish (60, 40), as RabbitMQ's does. */
  private withPublish(ch: ServerChannel, step: () => void): void {
    try {
      step();
    } catch (e) {
      ch.pending = undefined;
      this.refuse(e, ch.id, 60, 40);
    }
  }

  private connectionMethod(m: AnyMethod): void {
    const expected: Record<string, string> = { 'start-ok': 'connection.start-ok', 'tune-ok': 'connection.tune-ok', open: 'connection.open' };
    if (this.state === 'closing') {
      if (m.kind === 'connection.close-ok') this.end();
      else if (m.kind === 'connection.close') this.send(0, { kind: 'connection.close-ok' });
      return;
    }
    if (m.kind === 'connection.close') {
      this.releaseAll();
      this.send(0, { kind: 'connection.close-ok' });
      this.out.flush();
      this.end();
      return;
    }
    const want = expected[this.state];
    if (want !== undefined && m.kind !== want) throw fault.commandInvalid(`expected ${want}, got ${m.kind}`);
    switch (m.kind) {
      case 'connection.start-ok':
        return this.startOk(m as ConnectionStartOk);
      case 'connection.tune-ok':
        return this.tuneOk(m as ConnectionTuneOk);
      case 'connection.open':
        return this.open(m as ConnectionOpen);
      case 'connection.close-ok':
        return;
      case 'connection.update-secret':
        this.send(0, { kind: 'connection.update-secret-ok' });
        return;
      default:
        throw fault.commandInvalid(`unexpected ${m.kind} on channel 0`);
    }
  }

  private startOk(m: ConnectionStartOk): void {
    this.clientProperties = m.clientProperties;
    this.mechanism = m.mechanism;
    if (!(MECHANISMS as readonly string[]).includes(m.mechanism)) {
      throw fault.commandInvalid(`unknown authentication mechanism '${m.mechanism}'`);
    }
    const who = credentials(m.mechanism, m.response);
    if (!who || !this.broker.login(who.user, who.password)) {
      const text = `Login was refused using authentication mechanism ${m.mechanism}. For details see the broker logfile.`;
      if (this.capabilities.authentication_failure_close === true) this.closeConnection(fault.accessRefused(text), 0, 0);
      else this.end();
      return;
    }
    this.user = who.user;
    this.state = 'tune-ok';
    const t = this.broker.tune;
    this.send(0, { kind: 'connection.tune', channelMax: t.channelMax, frameMax: t.frameMax, heartbeat: t.heartbeat } as AnyMethod);
  }

  private tuneOk(m: ConnectionTuneOk): void {
    const t = this.broker.tune;
    if (m.frameMax !== 0 && m.frameMax < 4096) throw fault.notAllowed(`frame_max=${m.frameMax} < 4096 min size`);
    if (t.frameMax !== 0 && (m.frameMax === 0 || m.frameMax > t.frameMax)) throw fault.notAllowed(`frame_max=${m.frameMax} > ${t.frameMax} max size`);
    if (t.channelMax !== 0 && (m.channelMax === 0 || m.channelMax > t.channelMax)) throw fault.notAllowed(`channel_max=${m.channelMax} > ${t.channelMax} max size`);
    this.channelMax = m.channelMax;
    this.frameMax = m.frameMax;
    this.heartbeat = m.heartbeat;
    this.parser.frameMax = m.frameMax;
    this.out.frameMax = m.frameMax;
    this.state = 'open';
    this.startHeartbeats();
  }

  private open(m: ConnectionOpen): void {
    const v = this.broker.openVhost(m.virtualHost, this.user);
    if (v instanceof AmqpFault) throw v;
    this.vhostRef = v;
    this.vhostName = m.virtualHost;
    this.state = 'running';
    this.send(0, { kind: 'connection.open-ok' });
    if (this.broker.blockedReason !== undefined) this.notifyBlocked(this.broker.blockedReason);
  }

  private startHeartbeats(): void {
    if (this.heartbeat <= 0) return;
    const period = (this.heartbeat * 1000) / 2;
    let cancel: () => void = () => {};
    const tick = (): void => {
      if (this.state === 'closed') return;
      const now = this.broker.now();
      if (!this.frozen && now - this.lastInput > this.heartbeat * 2000) {
        this.end();
        return;
      }
      if (!this.frozen && now - this.lastOutput >= period) this.out.heartbeat();
      cancel = this.broker.setTimer(tick, period);
    };
    cancel = this.broker.setTimer(tick, period);
    this.stopTimers = () => cancel();
  }

  /** Sends channel.close for a channel error and releases the channel at once. */
  closeChannel(channel: number, f: AmqpFault, classId: number, methodId: number): void {
    const ch = this.channels.get(channel);
    if (!ch || ch.state === 'closing') return;
    ch.release();
    ch.state = 'closing';
    this.send(channel, { kind: 'channel.close', replyCode: f.replyCode, replyText: f.replyText, classId, methodId } as AnyMethod);
  }

  /** Sends connection.close and waits (at most a second) for close-ok. */
  closeConnection(f: AmqpFault, classId = 0, methodId = 0): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.releaseAll();
    this.state = 'closing';
    this.send(0, { kind: 'connection.close', replyCode: f.replyCode, replyText: f.replyText, classId, methodId } as AnyMethod);
    this.closeTimer = this.broker.setTimer(() => this.end(), 1000);
  }

  /** Sends connection.blocked when the client announced it can take it. */
  notifyBlocked(reason: string): void {
    if (this.state === 'running' && this.capabilities['connection.blocked'] === true) this.send(0, { kind: 'connection.blocked', reason } as AnyMethod);
  }

  /** The alarm cleared: connection.unblocked, and a held publish goes on. */
  notifyUnblocked(): void {
    if (this.state === 'running' && this.capabilities['connection.blocked'] === true) this.send(0, { kind: 'connection.unblocked' });
    const held = this.held;
    if (!held) return;
    this.held = undefined;
    this.frame(held.type, held.channel, held.payload);
    this.drain();
  }

  /** Fault injection: stop reading and writing anything (heartbeats included), as a hung broker. */
  freeze(): void {
    this.frozen = true;
    this.out.muted = true;
  }

  private releaseAll(): void {
    for (const ch of this.channels.values()) ch.release();
    this.channels.clear();
    if (this.vhostRef) {
      for (const name of this.exclusiveQueues) {
        const q = this.vhostRef.queues.get(name);
        if (q && q.owner === this.connection) this.vhostRef.deleteQueue(q);
      }
    }
    this.exclusiveQueues.clear();
  }

  /** Ends the connection without a close handshake (also after one). */
  end(): void {
    if (this.state === 'closed') return;
    this.releaseAll();
    this.state = 'closed';
    this.stopTimers?.();
    this.closeTimer?.();
    if (!this.frozen) this.out.flush();
    this.transport.close();
    this.broker.closed(this);
  }

  /** The transport ended from the other side. */
  transportClosed(): void {
    this.frozen = false;
    this.out.muted = true;
    this.end();
  }
}
