/**
 * `warren-inspect tap` between the broker and a client (warren, then amqplib): recording proxies
 * on both sides of the tap (client → recorder → tap → recorder → broker) hold the bytes that
 * went in and came out of it, and they are identical both ways; the tap printed every frame
 * both ways with timestamps, latencies of request → reply, and no credentials. A last test runs
 * the command itself as a process and stops it with SIGINT for its summary.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../../tools/inspect/filter.js';
import { Inspector } from '../../../tools/inspect/inspector.js';
import { startTap } from '../../../tools/inspect/tap.js';
import { amqpUrl } from '../../helpers/broker.js';
import { toHex } from '../../helpers/hex.js';
import { startRecorder } from './recorder.js';
import { amqplibSession, warrenSession } from './sessions.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe.each([
  ['warren', warrenSession],
  ['amqplib', amqplibSession],
] as const)('tap between the broker and %s', (name, session) => {
  it('passes every byte unchanged both ways and prints every frame', async () => {
    const broker = new URL(amqpUrl());
    const inner = await startRecorder(broker.hostname, Number(broker.port)); // tap → broker side
    const lines: string[] = [];
    const inspector = new Inspector({ out: (l) => lines.push(l), json: true, color: false, filter: parseFilter([]), live: true });
    const tap = await startTap({ listenHost: '127.0.0.1', listenPort: 0, upstreamHost: '127.0.0.1', upstreamPort: inner.port, inspector });
    const outer = await startRecorder('127.0.0.1', tap.address.port); // client → tap side
    let facts;
    try {
      facts = await session(outer.url(amqpUrl()));
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await outer.close();
      await tap.close();
      await inner.close();
    }
    inspector.end();
    const before = outer.bytes();
    const after = inner.bytes();
    expect(before.c2s.length).toBeGreaterThan(300);
    expect(toHex(after.c2s)).toBe(toHex(before.c2s));
    expect(toHex(before.s2c)).toBe(toHex(after.s2c));

    const json = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(json[0]).toMatchObject({ event: 'open', conn: 1, server: `127.0.0.1:${inner.port}` });
    const frames = json.filter((l) => l.frame);
    const total = (dir: string): number => frames.filter((l) => l.dir === dir).reduce((n, l) => n + (l.size as number), 0);
    expect(total('client→server')).toBe(before.c2s.length);
    expect(total('server→client')).toBe(before.s2c.length);
    expect(frames.every((l) => typeof l.time === 'string' && !Number.isNaN(Date.parse(l.time)))).toBe(true);
    const declareOk = frames.find((l) => l.method === 'queue.declare-ok')!;
    expect(declareOk).toMatchObject({ dir: 'server→client', after: 'queue.declare', fields: { queue: facts.queue } });
    expect(declareOk.latencyMs as number).toBeGreaterThanOrEqual(0);
    expect(frames.find((l) => l.method === 'connection.start-ok')!.fields).toMatchObject({ response: { redacted: name === 'warren' ? 12 : expect.any(Number) } });
    expect(lines.join('\n')).not.toContain(Buffer.from('guest').toString('hex'));
    if (facts.secretRotated) expect(frames.find((l) => l.method === 'connection.update-secret')!.fields).toMatchObject({ newSecret: { redacted: 5 } });
    expect(json.at(-1)).toMatchObject({ summary: { errors: 0 } });
  });
});

describe('the tap command', () => {
  it('listens, prints frames in columns as they pass, and the summary on SIGINT', async () => {
    const broker = new URL(amqpUrl());
    const child = spawn(process.execPath, [`${root}node_modules/tsx/dist/cli.mjs`, `${root}tools/inspect/cli.ts`, 'tap', '--listen', '127.0.0.1:0', '--upstream', `amqp://${broker.hostname}:${broker.port}`, '--filter', 'channel=0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /tap listening on [^ ]+:(\d+)/.exec(err);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`tap exited with ${code}: ${err}`)));
    });
    const url = new URL(amqpUrl());
    url.port = String(port);
    await warrenSession(url.toString());
    await new Promise((r) => setTimeout(r, 200));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toMatch(/^\d\d:\d\d:\d\d\.\d{6} {2}#1 {3}client→server {2} +@8 {2}ch 0 {6}connection\.start-ok {17}clientProperties=/m);
    expect(out).toMatch(/server→client .* connection\.close-ok .*\(\d+\.\d ms after connection\.close\)/);
    expect(out).toContain('newSecret=[redacted 5 B]');
    expect(out).not.toMatch(/ch 1 /); // --filter channel=0
    expect(out).toMatch(/^summary: \d+ frames, \d+ bytes, 0 errors$/m);
    expect(out).not.toContain('\x1b[');
  }, 120_000);
});
