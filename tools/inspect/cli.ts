#!/usr/bin/env node
/**
 * warren-inspect: read AMQP 0-9-1 traffic, built on the public `warren/codec` only.
 *
 *   warren-inspect decode [FILE | - | --hex HEX]     frames from raw bytes (one direction)
 *   warren-inspect pcap FILE                         connections in a pcap/pcapng capture
 *   warren-inspect tap --listen HOST:PORT --upstream amqp://HOST:PORT
 *
 * Common options: --json (one JSON object per line), --filter TERMS (channel=N, class, method;
 * see filter.ts), --color / --no-color (default: colour when stdout is a terminal). Each command
 * ends with a summary (frames and bytes per method and per channel); tap prints it on Ctrl-C.
 * Exit status: 0, or 1 when the input had errors, 2 for a usage error.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readCapture } from './capture.js';
import { parseFilter } from './filter.js';
import { Inspector } from './inspector.js';
import { parseUpstream, startTap } from './tap.js';
import { reassemble } from './tcp.js';

const USAGE = `usage:
  warren-inspect decode [FILE | -] [--hex HEX]   decode frames from raw bytes (stdin when no FILE)
  warren-inspect pcap FILE                       decode the AMQP connections of a pcap/pcapng capture
  warren-inspect tap --listen HOST:PORT --upstream amqp://HOST:PORT
                                                 transparent proxy printing every frame both ways
options: --json  --filter channel=N,CLASS,CLASS.METHOD  --color | --no-color  --help`;

function fail(message: string): never {
  process.stderr.write(`warren-inspect: ${message}\n${USAGE}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        filter: { type: 'string', multiple: true, default: [] },
        color: { type: 'boolean' },
        'no-color': { type: 'boolean' },
        hex: { type: 'string' },
        listen: { type: 'string' },
        upstream: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    fail((e as Error).message);
  }
  const { values: v, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (v.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return v.help ? 0 : 2;
  }
  let filter;
  try {
    filter = parseFilter(v.filter ?? []);
  } catch (e) {
    fail((e as Error).message);
  }
  const color = v['no-color'] ? false : (v.color ?? (process.stdout.isTTY === true && !process.env.NO_COLOR));
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  const make = (live: boolean): Inspector => new Inspector({ out, json: v.json ?? false, color, filter, live });

  if (command === 'decode') {
    let bytes: Uint8Array;
    if (v.hex !== undefined) {
      const digits = v.hex.replace(/\s+/g, '');
      if (!/^([0-9a-fA-F]{2})*$/.test(digits)) fail('--hex needs an even number of hex digits');
      bytes = Buffer.from(digits, 'hex');
    } else bytes = readFileSync(rest[0] === undefined || rest[0] === '-' ? 0 : rest[0]);
    const insp = make(false);
    insp.open(0, 'client', 'server');
    insp.data(0, 'c2s', bytes);
    insp.end();
    return insp.errors > 0 ? 1 : 0;
  }
  if (command === 'pcap') {
    if (!rest[0]) fail('pcap needs a FILE');
    const insp = make(true);
    let packets;
    try {
      packets = readCapture(readFileSync(rest[0]));
    } catch (e) {
      process.stderr.write(`warren-inspect: ${(e as Error).message}\n`);
      return 1;
    }
    reassemble(packets, (e) => {
      if (e.type === 'open') insp.open(e.conn, e.client, e.server, e.time);
      else if (e.type === 'data') insp.data(e.conn, e.fromClient ? 'c2s' : 's2c', e.data, e.time);
      else if (e.type === 'gap') {
        insp.countError();
        out(`#${e.conn}: error: ${e.bytes} bytes missing from the capture (${e.fromClient ? 'client→server' : 'server→client'})`);
      }
      else insp.close(e.conn, e.time);
    });
    insp.end();
    return insp.errors > 0 ? 1 : 0;
  }
  if (command === 'tap') {
    if (!v.listen || !v.upstream) fail('tap needs --listen HOST:PORT and --upstream amqp://HOST:PORT');
    const m = /^(.*):(\d+)$/.exec(v.listen);
    if (!m) fail(`--listen must be HOST:PORT, got ${v.listen}`);
    let up;
    try {
      up = parseUpstream(v.upstream);
    } catch (e) {
      fail((e as Error).message);
    }
    const insp = make(true);
    const tap = await startTap({ listenHost: m[1]!.replace(/^\[|\]$/g, ''), listenPort: Number(m[2]), upstreamHost: up.host, upstreamPort: up.port, inspector: insp });
    process.stderr.write(`warren-inspect: tap listening on ${tap.address.address}:${tap.address.port}, upstream ${up.host}:${up.port} (Ctrl-C for the summary)\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await tap.close();
    insp.end();
    return 0;
  }
  fail(`unknown command ${JSON.stringify(command)}`);
}

// A reader that went away (`| head`) ends the output, not the process with a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`warren-inspect: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
