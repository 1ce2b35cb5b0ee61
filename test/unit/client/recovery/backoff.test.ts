// Reconnect timing, endpoint walks and the attempt loop, with an injected clock and random source.
import { describe, expect, it } from 'vitest';
import { ConnectionLostError } from '../../../../runtime/errors.js';
import { AccessRefusedError, ConnectionForcedError, NotAllowedError, ResourceError } from '../../../../generated/errors.js';
import { giveUpReason, passDelay, resolveBackoff } from '../../../../runtime/client/recovery/backoff.js';
import { EndpointWalk, parseHost, shuffled, type Endpoint } from '../../../../runtime/client/recovery/endpoints.js';
import { RecoveryFailedError } from '../../../../runtime/client/recovery/errors.js';
import { isRecoverable, reconnect, type ReconnectHooks } from '../../../../runtime/client/recovery/supervisor.js';
import type { Session } from '../../../../runtime/client/session/session.js';
import { renewalDelay } from '../../../../runtime/client/recovery/credentials.js';
import { HeartbeatTimeoutError } from '../../../../runtime/errors.js';

/** A deterministic random source: cycles through `values`. */
const seq = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('backoff', () => {
  it('grows exponentially per pass, is capped, and jitter stays within [d(1-j), d]', () => {
    const b = resolveBackoff({ initialDelay: 100, maxDelay: 1000, multiplier: 2, jitter: 0.5 });
    expect([1, 2, 3, 4, 5, 6].map((p) => passDelay(p, b, () => 0.999999))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([1, 2, 3, 4, 5].map((p) => passDelay(p, b, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect(passDelay(3, resolveBackoff({ initialDelay: 100, jitter: 0 }), Math.random)).toBe(400);
    expect(() => resolveBackoff({ jitter: 2 })).toThrow(RangeError);
    expect(() => resolveBackoff({ initialDelay: 10, maxDelay: 5 })).toThrow(RangeError);
  });

  it('gives up on maxAttempts and on the deadline, saying which', () => {
    const g = { maxAttempts: 3, deadline: 1000 };
    expect(giveUpReason(2, 500, 100, g)).toBeUndefined();
    expect(giveUpReason(3, 0, 0, g)).toMatch(/maxAttempts 3/);
    expect(giveUpReason(1, 950, 100, g)).toMatch(/deadline 1000 ms/);
  });

  it('renews a fifth of the validity early, between 1 s and 60 s', () => {
    expect(renewalDelay(10_000, 0)).toBe(8_000);
    expect(renewalDelay(1_000_000, 0)).toBe(940_000);
    expect(renewalDelay(2_000, 0)).toBe(1_000);
    expect(renewalDelay(500, 1_000)).toBe(0);
  });
});

describe('endpoints', () => {
  it('parses hosts, ports and IPv6', () => {
    expect(parseHost('a', 5672)).toEqual({ hostname: 'a', port: 5672 });
    expect(parseHost('b:5673', 5672)).toEqual({ hostname: 'b', port: 5673 });
    expect(parseHost('[::1]:5674', 5672)).toEqual({ hostname: '::1', port: 5674 });
    expect(() => parseHost('a:99999', 5672)).toThrow(/port/);
  });

  it('shuffles with the injected random source, each pass anew, and resolves at each pass', async () => {
    expect(shuffled([1, 2, 3], seq(0))).toEqual([2, 3, 1]);
    const eps: Endpoint[] = [{ hostname: 'a', port: 1 }, { hostname: 'b', port: 1 }, { hostname: 'c', port: 1 }];
    let resolves = 0;
    const walk = new EndpointWalk(eps, { shuffle: true, random: seq(0, 0.99, 0.5), resolve: (l) => (resolves++, l.map((e) => ({ ...e, port: resolves }))) });
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      const starts = walk.startsPass;
      const e = await walk.next();
      seen.push(`${starts ? '|' : ''}${e.hostname}${e.port}`);
    }
    expect(resolves).toBe(2);
    expect(seen.filter((s) => s.startsWith('|'))).toHaveLength(2);
    expect(new Set(seen.slice(0, 3).map((s) => s.replace('|', '')))).toEqual(new Set(['a1', 'b1', 'c1']));
    expect(new Set(seen.slice(3).map((s) => s.replace('|', '')))).toEqual(new Set(['a2', 'b2', 'c2']));
    const plain = new EndpointWalk(eps, { shuffle: false, random: Math.random, resolve: () => [] }); // a resolver finding nothing keeps the names
    expect((await plain.next()).hostname).toBe('a');
  });
});

describe('triggers', () => {
  it('socket loss, heartbeat timeout and 320 recover; the application close, 403 and other codes do not', () => {
    const close = (C: new (init: never) => Error & { replyCode: number }) => new C({ replyCode: 0, replyText: 'x', classId: 0, methodId: 0 } as never);
    expect(isRecoverable(new ConnectionLostError('gone'))).toBe(true);
    expect(isRecoverable(new HeartbeatTimeoutError('silent'))).toBe(true);
    const forced = close(ConnectionForcedError);
    expect(forced.replyCode).toBe(320);
    expect(isRecoverable(forced)).toBe(true);
    expect(isRecoverable(undefined)).toBe(false);
    expect(isRecoverable(close(AccessRefusedError))).toBe(false);
    expect(isRecoverable(close(ResourceError))).toBe(false);
    expect(isRecoverable(close(NotAllowedError))).toBe(false);
  });
});

describe('reconnect loop (injected clock, random source and connector)', () => {
  function harness(outcomes: Array<Error | 'ok'>) {
    let now = 0;
    const sleeps: number[] = [];
    const tried: string[] = [];
    const fakeLink = { destroy() {} } as unknown as Session;
    const hooks: ReconnectHooks = {
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
      establish: async (ep) => {
        tried.push(ep.hostname);
        now += 10;
        const o = outcomes.shift() ?? 'ok';
        if (o === 'ok') return fakeLink;
        throw o;
      },
    };
    return { hooks, sleeps, tried, fakeLink, clock: () => now };
  }
  const r = { backoff: resolveBackoff({ initialDelay: 100, maxDelay: 400, jitter: 0 }), maxAttempts: Infinity, deadline: Infinity, random: () => 0.5 };
  const lost = () => new ConnectionLostError('ECONNREFUSED');

  it('tries the next endpoint at once, and backs off between passes', async () => {
    const h = harness([lost(), lost(), lost(), lost(), 'ok']);
    const walk = new EndpointWalk([{ hostname: 'a', port: 1 }, { hostname: 'b', port: 1 }], { shuffle: false, random: Math.random });
    const events: number[] = [];
    const link = await reconnect(walk, r, { ...h.hooks, onAttempt: (e) => events.push(e.delay) }, { attempts: 0, startedAt: 0, lastError: undefined }, new AbortController().signal);
    expect(link).toBe(h.fakeLink);
    expect(h.tried).toEqual(['a', 'b', 'a', 'b', 'a']);
    expect(h.sleeps).toEqual([100, 200, 400]);
    expect(events).toEqual([100, 0, 200, 0, 400]);
  });

  it('gives up with RecoveryFailedError after maxAttempts or the deadline, the last error as cause', async () => {
    const h = harness([lost(), lost(), lost(), lost()]);
    const walk = new EndpointWalk([{ hostname: 'a', port: 1 }], { shuffle: false, random: Math.random });
    const e = await reconnect(walk, { ...r, maxAttempts: 3 }, h.hooks, { attempts: 0, startedAt: 0, lastError: undefined }, new AbortController().signal).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RecoveryFailedError);
    expect(e).toMatchObject({ attempts: 3 });
    expect((e as Error).cause).toBeInstanceOf(ConnectionLostError);
    const h2 = harness(Array.from({ length: 20 }, lost));
    const e2 = await reconnect(new EndpointWalk([{ hostname: 'a', port: 1 }], { shuffle: false, random: Math.random }), { ...r, deadline: 1000 }, h2.hooks, { attempts: 0, startedAt: 0, lastError: undefined }, new AbortController().signal).catch((x: unknown) => x);
    expect((e2 as Error).message).toMatch(/deadline 1000 ms/);
    expect(h2.clock()).toBeLessThanOrEqual(1000);
  });

  it('an authentication failure is not retried', async () => {
    const refused = new AccessRefusedError({ replyCode: 403, replyText: 'ACCESS_REFUSED', classId: 0, methodId: 0 } as never);
    const h = harness([refused, 'ok']);
    const e = await reconnect(new EndpointWalk([{ hostname: 'a', port: 1 }], { shuffle: false, random: Math.random }), r, h.hooks, { attempts: 0, startedAt: 0, lastError: undefined }, new AbortController().signal).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RecoveryFailedError);
    expect((e as Error).cause).toBe(refused);
    expect(h.tried).toEqual(['a']);
  });
});
