/**
 * `warren-inspect pcap` on a real capture: tcpdump (installed with apt-get like the broker when
 * missing; the test fails, never skips, when it cannot be had) records loopback traffic on the
 * port of a recording proxy while a warren session runs through it. Checked against what the
 * session did and against the bytes the proxy itself saw: the reassembled client→server and
 * server→client streams are exactly those bytes. The same packets rewritten as pcapng give the
 * same result.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureDebianPackage } from '../../../scripts/lib/apt.mjs';
import { readCapture } from '../../../tools/inspect/capture.js';
import { reassemble } from '../../../tools/inspect/tcp.js';
import { amqpUrl } from '../../helpers/broker.js';
import { toHex } from '../../helpers/hex.js';
import { pcapToPcapng } from './pcapng.js';
import { startRecorder } from './recorder.js';
import { warrenSession, type SessionFacts } from './sessions.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const TCPDUMP = '/usr/bin/tcpdump';

async function startTcpdump(file: string, port: number): Promise<ChildProcess> {
  // --immediate-mode: with TPACKET_V3 and the default 1 s buffer timeout, packets of a short
  // session could still sit in the kernel's ring when tcpdump is interrupted.
  const p = spawn(TCPDUMP, ['-i', 'lo', '-U', '--immediate-mode', '-Z', 'root', '-w', file, `tcp port ${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    p.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('listening on')) resolve();
    });
    p.once('exit', (code) => reject(new Error(`tcpdump exited with ${code}: ${err}`)));
  });
  return p;
}

function streams(capture: Uint8Array): Map<number, { client: string; server: string; c2s: Buffer[]; s2c: Buffer[]; times: number[] }> {
  const conns = new Map<number, { client: string; server: string; c2s: Buffer[]; s2c: Buffer[]; times: number[] }>();
  reassemble(readCapture(capture), (e) => {
    if (e.type === 'open') conns.set(e.conn, { client: e.client, server: e.server, c2s: [], s2c: [], times: [] });
    if (e.type === 'data') {
      const c = conns.get(e.conn)!;
      (e.fromClient ? c.c2s : c.s2c).push(Buffer.from(e.data));
      c.times.push(e.time);
    }
    if (e.type === 'gap') throw new Error(`capture has a gap of ${e.bytes} bytes`);
  });
  return conns;
}

describe('warren-inspect pcap on a tcpdump capture of a session', () => {
  let facts: SessionFacts;
  let capture: Uint8Array;
  let seen: { c2s: Uint8Array; s2c: Uint8Array };
  let port: number;
  let dir: string;

  beforeAll(async () => {
    ensureDebianPackage({ file: TCPDUMP, pkg: 'tcpdump', what: 'tcpdump' });
    dir = mkdtempSync(join(tmpdir(), 'warren-pcap-'));
    const url = new URL(amqpUrl());
    const rec = await startRecorder(url.hostname, Number(url.port));
    port = rec.port;
    const file = join(dir, 'session.pcap');
    const tcpdump = await startTcpdump(file, rec.port);
    try {
      facts = await warrenSession(rec.url(amqpUrl()));
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await rec.close();
      await new Promise((r) => setTimeout(r, 200));
      const exited = new Promise((r) => tcpdump.once('exit', r));
      tcpdump.kill('SIGINT');
      await exited;
    }
    seen = rec.bytes();
    capture = new Uint8Array(readFileSync(file));
  }, 600_000); // apt-get may wait for a lock held by another job

  it('reassembles one connection whose two streams are the bytes the proxy saw', () => {
    const conns = streams(capture);
    expect(conns.size).toBe(1);
    const c = [...conns.values()][0]!;
    expect(c.server).toBe(`127.0.0.1:${port}`);
    expect(toHex(Buffer.concat(c.c2s))).toBe(toHex(seen.c2s));
    expect(toHex(Buffer.concat(c.s2c))).toBe(toHex(seen.s2c));
    expect(c.times).toEqual([...c.times].sort((a, b) => a - b));
  });

  it.each([
    ['pcap', false],
    ['pcapng', true],
  ])('the %s command output follows the session, both directions in time order', (_kind, ng) => {
    const file = join(dir, ng ? 'session.pcapng' : 'session.pcap');
    if (ng) writeFileSync(file, pcapToPcapng(capture));
    const out = execFileSync(process.execPath, [`${root}node_modules/tsx/dist/cli.mjs`, `${root}tools/inspect/cli.ts`, 'pcap', '--json', file], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ event: 'open', conn: 1, server: `127.0.0.1:${port}` });
    const frames = lines.filter((l) => l.frame);
    const flow = frames.filter((l) => l.method).map((l) => `${l.dir === 'client→server' ? '>' : '<'} ${String(l.method)}`);
    expect(flow.slice(0, 8)).toEqual([
      '< connection.start', '> connection.start-ok', '< connection.tune', '> connection.tune-ok',
      '> connection.open', '< connection.open-ok', '> channel.open', '< channel.open-ok',
    ]);
    expect(frames[0]).toMatchObject({ dir: 'client→server', frame: 'protocol-header' });
    for (const step of ['> queue.declare', '< queue.declare-ok', '> basic.publish', '> basic.get', '< basic.get-ok', '> basic.ack', '> connection.update-secret', '< connection.update-secret-ok', '> connection.close', '< connection.close-ok']) {
      expect(flow).toContain(step);
    }
    expect(flow.indexOf('> basic.publish')).toBeLessThan(flow.indexOf('< basic.get-ok'));
    const times = frames.map((l) => Date.parse(String(l.time)));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const declareOk = frames.find((l) => l.method === 'queue.declare-ok')!;
    expect(declareOk).toMatchObject({ after: 'queue.declare', fields: { queue: facts.queue, messageCount: 0 } });
    expect(declareOk.latencyMs as number).toBeGreaterThanOrEqual(0);
    const body = frames.filter((l) => l.frame === 'body');
    expect(body.map((l) => l.dir)).toEqual(['client→server', 'server→client']);
    expect(out).not.toContain(Buffer.from('\0guest\0guest').toString('hex'));
    expect(lines.at(-1)).toMatchObject({ summary: { errors: 0 } });
  }, 120_000);
});
