/**
 * The handshake of the sans-io core against a scripted server: bytes written, SASL mechanisms,
 * tune negotiation, and the ways a handshake fails.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AnyMethod, FieldTable } from '../../../runtime/codec/index.js';
import { AuthMechanismError, ConnectTimeoutError, ConnectionClosedError, ProtocolVersionError } from '../../../runtime/errors.js';
import { amqplain, external, plain, type SaslMechanism } from '../../../runtime/protocol/sasl.js';
import { MIN_FRAME_MAX, negotiate } from '../../../runtime/protocol/tune.js';
import { AccessRefusedError, NotAllowedError } from '../../../generated/errors.js';
import { hex, toHex } from '../../helpers/hex.js';
import { ScriptedPeer, utf8, type Chunking } from '../../helpers/scripted-peer.js';

const CLIENT_PROPERTIES: FieldTable = { product: 'test' };

describe('handshake bytes', () => {
  it('header, start-ok, tune-ok + open, then open', () => {
    const peer = new ScriptedPeer({ clientProperties: CLIENT_PROPERTIES });
    peer.core.start(peer.now);
    expect(toHex(peer.takeBytes())).toBe('414d515000000901'); // "AMQP" 0 0 9 1
    peer.feed(peer.start());
    const startOk = peer.takeBytes();
    const expected = peer.method(0, {
      kind: 'connection.start-ok',
      clientProperties: CLIENT_PROPERTIES,
      mechanism: 'PLAIN',
      response: utf8('\u0000guest\u0000guest'),
      locale: 'en_US',
    } as AnyMethod);
    expect(toHex(startOk)).toBe(toHex(expected));
    expect(peer.core.state).toBe('awaiting-tune');

    peer.feed(peer.tune(2047, 131072, 60));
    expect(toHex(peer.takeBytes())).toBe(
      toHex(hex`
        01 0000 0000000c  000a 001f  07ff 00020000 003c  ce   # tune-ok 2047, 131072, 60
        01 0000 00000008  000a 0028  01 2f 00 00         ce   # open "/" (reserved shortstr, bit)
      `),
    );
    expect(peer.core.state).toBe('awaiting-open-ok');
    expect(peer.events).toEqual([]);

    peer.feed(peer.method(0, { kind: 'connection.open-ok' } as AnyMethod));
    expect(peer.core.state).toBe('open');
    expect(peer.events).toEqual([
      { type: 'open', serverProperties: { product: 'RabbitMQ', capabilities: { 'connection.blocked': true } }, tune: { channelMax: 2047, frameMax: 131072, heartbeat: 60 } },
    ]);
    expect(peer.takeBytes()).toHaveLength(0);
  });

  const serverBytes = (peer: ScriptedPeer) =>
    ScriptedPeer.concat(peer.start(), peer.tune(100, 65536, 30), peer.method(0, { kind: 'connection.open-ok' } as AnyMethod));

  /** Runs a handshake in which the server's frames arrive in the given chunking (all at once). */
  const run = (chunking: Chunking) => {
    const peer = new ScriptedPeer();
    peer.core.start(peer.now);
    peer.feed(serverBytes(peer), chunking);
    return { events: peer.events, bytes: toHex(peer.takeBytes()) };
  };

  it('same events and bytes fed whole, byte by byte and in random chunkings', () => {
    const whole = run('whole');
    expect(whole.events.map((e) => e.type)).toEqual(['open']);
    expect(run('bytes')).toEqual(whole);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }), (sizes) => {
        expect(run(sizes)).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });
});

describe('SASL', () => {
  const startOkFor = (mechanisms: SaslMechanism[], offered = 'PLAIN AMQPLAIN EXTERNAL') => {
    const peer = new ScriptedPeer({ mechanisms });
    peer.core.start(peer.now);
    peer.take();
    peer.feed(peer.start({ mechanisms: offered }));
    return { peer, startOk: peer.takeMethods()[0] as AnyMethod & { mechanism: string; response: Uint8Array } };
  };

  it('PLAIN: \\0user\\0password', () => {
    const { startOk } = startOkFor([plain('ann', 'pässword')]);
    expect(startOk.mechanism).toBe('PLAIN');
    expect(toHex(startOk.response)).toBe(toHex(utf8('\u0000ann\u0000pässword')));
  });

  it('AMQPLAIN: table entries LOGIN, PASSWORD without the table length', () => {
    const { startOk } = startOkFor([amqplain('ann', 'pw')]);
    expect(startOk.mechanism).toBe('AMQPLAIN');
    expect(toHex(startOk.response)).toBe(toHex(hex`05 ${toHex(utf8('LOGIN'))} 53 00000003 ${toHex(utf8('ann'))}  08 ${toHex(utf8('PASSWORD'))} 53 00000002 ${toHex(utf8('pw'))}`));
  });

  it('EXTERNAL: empty response', () => {
    const { startOk } = startOkFor([external()]);
    expect(startOk.mechanism).toBe('EXTERNAL');
    expect(startOk.response).toHaveLength(0);
  });

  it('the first of the client preferences that the server offers wins', () => {
    expect(startOkFor([external(), amqplain('a', 'b'), plain('a', 'b')], 'PLAIN AMQPLAIN').startOk.mechanism).toBe('AMQPLAIN');
  });

  it('a custom mechanism with a secure/secure-ok round', () => {
    const challenges: string[] = [];
    const custom: SaslMechanism = {
      name: 'X-CHALLENGE',
      start: () => utf8('hello'),
      challenge: (c) => {
        challenges.push(new TextDecoder().decode(c));
        return utf8(`answer-${challenges.length}`);
      },
    };
    const { peer, startOk } = startOkFor([custom], 'PLAIN X-CHALLENGE');
    expect(startOk.mechanism).toBe('X-CHALLENGE');
    expect(new TextDecoder().decode(startOk.response)).toBe('hello');
    for (const n of [1, 2]) {
      peer.feed(peer.method(0, { kind: 'connection.secure', challenge: utf8(`nonce-${n}`) } as AnyMethod));
      const [ok] = peer.takeMethods() as (AnyMethod & { response: Uint8Array })[];
      expect(ok!.kind).toBe('connection.secure-ok');
      expect(new TextDecoder().decode(ok!.response)).toBe(`answer-${n}`);
    }
    expect(challenges).toEqual(['nonce-1', 'nonce-2']);
    peer.feed(peer.tune());
    expect(peer.takeMethods().map((m) => m.kind)).toEqual(['connection.tune-ok', 'connection.open']);
  });

  it('a challenge to a mechanism that takes none fails the handshake', () => {
    const { peer } = startOkFor([plain('a', 'b')]);
    peer.feed(peer.method(0, { kind: 'connection.secure', challenge: utf8('?') } as AnyMethod));
    const [closed] = peer.eventsOf('closed');
    expect(closed?.error).toBeInstanceOf(AuthMechanismError);
  });

  it('no offered mechanism: AuthMechanismError naming both lists, nothing more sent', () => {
    const { peer, startOk } = startOkFor([plain('a', 'b'), amqplain('a', 'b')], 'EXTERNAL SCRAM-SHA-256');
    expect(startOk).toBeUndefined();
    const [closed] = peer.eventsOf('closed');
    expect(closed!.destroy).toBe(true);
    const e = closed!.error as AuthMechanismError;
    expect(e).toBeInstanceOf(AuthMechanismError);
    expect(e.name).toBe('AuthMechanismError');
    expect(e.offered).toEqual(['EXTERNAL', 'SCRAM-SHA-256']);
    expect(e.message).toContain('PLAIN, AMQPLAIN');
    expect(peer.core.state).toBe('closed');
  });
});

describe('protocol version', () => {
  for (const chunking of ['whole', 'bytes'] as const) {
    it(`a server answering with AMQP 0-10's header: ProtocolVersionError (fed ${chunking})`, () => {
      const peer = new ScriptedPeer();
      peer.core.start(peer.now);
      peer.take();
      peer.feed(hex`414d5150 01 01 00 0a`, chunking);
      const closed = peer.eventsOf('closed');
      expect(closed).toHaveLength(1);
      expect(closed[0]!.error).toBeInstanceOf(ProtocolVersionError);
      expect(closed[0]!.error!.message).toContain('1.1.0.10');
      expect(closed[0]!.destroy).toBe(true);
      expect(peer.takeBytes()).toHaveLength(0);
    });
  }

  it('a connection.start with another version: ProtocolVersionError', () => {
    const peer = new ScriptedPeer();
    peer.core.start(peer.now);
    peer.feed(peer.start({ versionMajor: 8, versionMinor: 0 }));
    expect(peer.eventsOf('closed')[0]!.error).toBeInstanceOf(ProtocolVersionError);
  });
});

describe('tune negotiation', () => {
  it('the lower non-zero value wins; 0 means no limit', () => {
    expect(negotiate({ channelMax: 2047, frameMax: 131072, heartbeat: 60 }, { channelMax: 100, frameMax: 65536, heartbeat: 10 })).toEqual({ channelMax: 100, frameMax: 65536, heartbeat: 10 });
    expect(negotiate({ channelMax: 0, frameMax: 0, heartbeat: 0 }, { channelMax: 2047, frameMax: 131072, heartbeat: 60 })).toEqual({ channelMax: 2047, frameMax: 131072, heartbeat: 60 });
    expect(negotiate({ channelMax: 10, frameMax: 16384, heartbeat: 5 }, { channelMax: 0, frameMax: 0, heartbeat: 0 })).toEqual({ channelMax: 10, frameMax: 16384, heartbeat: 5 });
    // Both without a limit: channel ids are 16 bits; frame_max 0 stays "no limit" on the wire.
    expect(negotiate({ channelMax: 0, frameMax: 0, heartbeat: 0 }, { channelMax: 0, frameMax: 0, heartbeat: 0 })).toEqual({ channelMax: 65535, frameMax: 0, heartbeat: 0 });
  });

  it('frameMax is never proposed below 8192', () => {
    expect(MIN_FRAME_MAX).toBe(8192);
    expect(negotiate({ channelMax: 0, frameMax: 4096, heartbeat: 0 }, { channelMax: 0, frameMax: 131072, heartbeat: 0 }).frameMax).toBe(8192);
    expect(negotiate({ channelMax: 0, frameMax: 4096, heartbeat: 0 }, { channelMax: 0, frameMax: 0, heartbeat: 0 }).frameMax).toBe(8192);
  });

  it('tune-ok carries the negotiated values and the parser enforces them', () => {
    const peer = new ScriptedPeer({ tune: { channelMax: 0, frameMax: 0, heartbeat: 0 } });
    const sent = peer.handshake({ channelMax: 0, frameMax: 0, heartbeat: 0 });
    expect(sent.find((m) => m.kind === 'connection.tune-ok')).toEqual({ kind: 'connection.tune-ok', channelMax: 65535, frameMax: 0, heartbeat: 0 });
    expect(peer.core.tune).toEqual({ channelMax: 65535, frameMax: 0, heartbeat: 0 });
  });

  it('a wanted frame_max below 8192 goes out as 8192', () => {
    const peer = new ScriptedPeer({ tune: { channelMax: 0, frameMax: 1000, heartbeat: 0 } });
    const sent = peer.handshake();
    expect(sent.find((m) => m.kind === 'connection.tune-ok')).toMatchObject({ frameMax: 8192 });
  });
});

describe('handshake failures', () => {
  it('connection.close 403 during the handshake: close-ok sent, AccessRefusedError', () => {
    const peer = new ScriptedPeer();
    peer.core.start(peer.now);
    peer.feed(peer.start());
    peer.take();
    peer.feed(peer.method(0, { kind: 'connection.close', replyCode: 403, replyText: 'ACCESS_REFUSED - Login was refused', classId: 10, methodId: 11 } as AnyMethod));
    expect(peer.takeMethods()).toEqual([{ kind: 'connection.close-ok' }]);
    const closed = peer.eventsOf('closed');
    expect(closed).toHaveLength(1);
    const e = closed[0]!.error as AccessRefusedError;
    expect(e).toBeInstanceOf(AccessRefusedError);
    expect(e).toMatchObject({ name: 'AccessRefusedError', replyCode: 403, classId: 10, methodId: 11, method: 'connection.start-ok', remote: true });
    expect(closed[0]!.destroy).toBe(false);
    expect(() => peer.core.openChannel()).toThrow(ConnectionClosedError);
  });

  it('connection.close 530 after open (unknown vhost): NotAllowedError', () => {
    const peer = new ScriptedPeer();
    peer.core.start(peer.now);
    peer.feed(ScriptedPeer.concat(peer.start(), peer.tune()));
    peer.take();
    peer.feed(peer.method(0, { kind: 'connection.close', replyCode: 530, replyText: "NOT_ALLOWED - vhost nope not found", classId: 10, methodId: 40 } as AnyMethod));
    expect(peer.eventsOf('closed')[0]!.error).toMatchObject({ name: 'NotAllowedError', method: 'connection.open' });
    expect(peer.eventsOf('closed')[0]!.error).toBeInstanceOf(NotAllowedError);
  });

  it('connectionTimeout: ConnectTimeoutError, destroyed', () => {
    const peer = new ScriptedPeer({ connectionTimeout: 500 });
    peer.core.start(peer.now);
    peer.feed(peer.start());
    expect(peer.core.nextTick(peer.now)).toBe(500);
    peer.advance(499);
    expect(peer.events).toEqual([]);
    peer.advance(1);
    const [closed] = peer.eventsOf('closed');
    expect(closed!.error).toBeInstanceOf(ConnectTimeoutError);
    expect(closed!.error!.message).toContain('awaiting-tune');
    expect(closed!.destroy).toBe(true);
  });

  it('close() before the handshake finished ends it at once', () => {
    const peer = new ScriptedPeer();
    peer.core.start(peer.now);
    peer.core.close(peer.now);
    expect(peer.eventsOf('closed')[0]).toMatchObject({ destroy: true });
    expect(peer.eventsOf('closed')[0]!.error).toBeInstanceOf(ConnectionClosedError);
  });

  it('start() twice throws', () => {
    const peer = new ScriptedPeer();
    peer.core.start(peer.now);
    expect(() => peer.core.start(peer.now)).toThrow(ConnectionClosedError);
  });
});
