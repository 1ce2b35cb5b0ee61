/**
 * The client's side of connection negotiation (spec 2.2.4, 1.4.2), as pure steps the connection
 * core calls: each takes what the server sent and returns what to answer, or the error that
 * ends the connection. The core owns the state machine and all I/O; this file owns the rules:
 *
 *   protocol header sniffing ─▶ connection.start → start-ok (pick a SASL mechanism)
 *   ─▶ connection.secure* → secure-ok (the mechanism answers each challenge)
 *   ─▶ connection.tune → tune-ok + open (negotiate limits)  ─▶ open-ok (the core)
 *
 * A connection.tune that breaks the spec's rules (tune.ts `checkTune`) is answered with
 * connection.close and its reply code (the core's close handshake), not taken on.
 *
 * A server that does not speak 0-9-1 answers our protocol header with its own (spec 4.2.2) and
 * closes: the first bytes then read `AMQP` and four version octets instead of a frame. Those
 * bytes can arrive one at a time, so the sniffer looks at everything received until it can
 * decide, never at a single chunk.
 */
import type { AnyMethod, FieldTable } from '../codec/index.js';
import type { ConnectionSecure, ConnectionStart, ConnectionTune } from '../../generated/index.js';
import { AuthMechanismError, ProtocolVersionError } from '../errors.js';
import { chooseMechanism, freshResponses, type SaslMechanism } from './sasl.js';
import { checkTune, negotiate, type TuneWanted } from './tune.js';

/** What the handshake needs from the core's options. */
export interface HandshakeOptions {
  vhost: string;
  mechanisms: readonly SaslMechanism[];
  clientProperties: FieldTable;
  tune: TuneWanted;
  locale?: string | undefined;
}

const AMQP = [0x41, 0x4d, 0x51, 0x50]; // "AMQP"

/**
 * Tells from the first bytes received whether the server sent frames or a protocol header.
 * `push()` returns undefined while undecided (the bytes are kept), then either every byte
 * received so far (they are frames: parse them) or the ProtocolVersionError for a header.
 * Anything that is not a complete `AMQP` header is left to the frame parser, which rejects it
 * as an unknown frame type.
 */
export class ProtocolHeaderSniffer {
  private head: Uint8Array = new Uint8Array(0);

  push(chunk: Uint8Array): Uint8Array | ProtocolVersionError | undefined {
    let head = chunk;
    if (this.head.length > 0) {
      head = new Uint8Array(this.head.length + chunk.length);
      head.set(this.head);
      head.set(chunk, this.head.length);
    }
    const n = Math.min(head.length, 4);
    for (let i = 0; i < n; i++) if (head[i] !== AMQP[i]) return head;
    if (head.length < 8) {
      this.head = Uint8Array.prototype.slice.call(head); // a copy (Buffer#slice is a view): the caller may reuse the chunk's memory
      return undefined;
    }
    const v = Array.from(head.subarray(4, 8)).join('.');
    return new ProtocolVersionError(`the server does not speak AMQP 0-9-1; it answered with protocol header AMQP ${v}`);
  }
}

const text = new TextDecoder();

/** What the handshake does to the connection core. */
export interface HandshakeHost {
  send(m: AnyMethod): void;
  /** Ends the connection at once (destroying the transport) with this error. */
  fail(error: Error): void;
  /** The server broke a rule of the handshake: close the connection with this reply code. */
  refuse(replyCode: number, replyText: string): void;
  /** Limits are negotiated: the core sizes its frame parser and channel table. */
  tuned(tune: TuneWanted, serverProperties: FieldTable): void;
}

/** The connection states in which the handshake runs. */
export type HandshakeState = 'awaiting-start' | 'awaiting-tune' | 'awaiting-open-ok';

export class Handshake {
  /** The mechanism chosen in start-ok; it answers connection.secure challenges. */
  mechanism: SaslMechanism | undefined;
  serverProperties: FieldTable = {};
  private readonly opts: HandshakeOptions;
  private readonly host: HandshakeHost;

  constructor(opts: HandshakeOptions, host: HandshakeHost) {
    this.opts = opts;
    this.host = host;
  }

  /**
   * Handles a connection method received in a handshake state and returns the state to go to
   * (`open` after open-ok), or undefined when the method does not belong in this state (the
   * core answers 503) or the handshake failed (the core is closed through `fail`).
   */
  onMethod(state: HandshakeState, m: AnyMethod): HandshakeState | 'open' | 'failed' | undefined {
    switch (`${state} ${m.kind}`) {
      case 'awaiting-start connection.start': {
        const answer = this.onStart(m as ConnectionStart);
        const next = this.step(answer, 'awaiting-tune');
        // The frame is written (into a chunk of its own, output.ts); the password's other copy
        // is this response: zero it when it is ours to zero.
        if (this.mechanism && freshResponses(this.mechanism) && !(answer instanceof Error)) (answer as unknown as { response: Uint8Array }).response.fill(0);
        return next;
      }
      case 'awaiting-tune connection.secure':
        return this.step(this.onSecure(m as ConnectionSecure), 'awaiting-tune');
      case 'awaiting-tune connection.tune': {
        const offered = m as ConnectionTune;
        const bad = checkTune(offered);
        if (bad) {
          this.host.refuse(bad.replyCode, bad.replyText);
          return 'failed';
        }
        const tune = negotiate(this.opts.tune, offered);
        this.host.tuned(tune, this.serverProperties);
        this.host.send({ kind: 'connection.tune-ok', ...tune } as AnyMethod);
        this.host.send({ kind: 'connection.open', virtualHost: this.opts.vhost } as AnyMethod);
        return 'awaiting-open-ok';
      }
      case 'awaiting-open-ok connection.open-ok':
        return 'open';
    }
    return undefined;
  }

  private step(answer: AnyMethod | Error, next: HandshakeState): HandshakeState | 'failed' {
    if (answer instanceof Error) {
      this.host.fail(answer);
      return 'failed';
    }
    this.host.send(answer);
    return next;
  }

  /** connection.start → start-ok, or the error for a version or mechanism mismatch. */
  private onStart(m: ConnectionStart): AnyMethod | Error {
    this.serverProperties = m.serverProperties;
    if (m.versionMajor !== 0 || m.versionMinor !== 9) {
      return new ProtocolVersionError(`the server speaks AMQP ${m.versionMajor}-${m.versionMinor}, not 0-9`);
    }
    const mechanism = chooseMechanism(this.opts.mechanisms, m.mechanisms);
    if (!mechanism) {
      const offered = text.decode(m.mechanisms).split(/\s+/).filter(Boolean);
      return new AuthMechanismError(this.opts.mechanisms.map((x) => x.name), offered);
    }
    this.mechanism = mechanism;
    return {
      kind: 'connection.start-ok',
      clientProperties: this.opts.clientProperties,
      mechanism: mechanism.name,
      response: mechanism.start(),
      locale: this.opts.locale ?? 'en_US',
    } as AnyMethod;
  }

  /** connection.secure → secure-ok; a mechanism without `challenge()` cannot take part. */
  private onSecure(m: ConnectionSecure): AnyMethod | Error {
    const mech = this.mechanism;
    if (!mech?.challenge) {
      const name = mech?.name ?? '(none)';
      return new AuthMechanismError([name], [`${name} (the server sent a challenge it does not expect)`]);
    }
    return { kind: 'connection.secure-ok', response: mech.challenge(m.challenge) } as AnyMethod;
  }
}
