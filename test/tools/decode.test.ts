/**
 * `warren-inspect decode` on hand-made byte streams: the protocol header recognised (any
 * version), errors reported with their byte offset and decoding going on after them (a method
 * that does not decode, a bad frame end with resynchronisation, a truncated tail), short strings
 * that are not UTF-8 shown by their bytes; and the command's inputs (--hex, stdin).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Writer, field, registry, textFromBytes, writeMethodFrame, type AnyMethod, type FieldValue } from 'warren/codec';
import { parseFilter } from '../../tools/inspect/filter.js';
import { Inspector } from '../../tools/inspect/inspector.js';
import { hex, toHex } from '../helpers/hex.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function frame(channel: number, m: AnyMethod): Uint8Array {
  const w = new Writer(8);
  writeMethodFrame(w, channel, registry.byKind(m.kind)!, m);
  return w.toBytes();
}

function decode(bytes: Uint8Array, chunk = bytes.length || 1): Record<string, unknown>[] {
  const lines: string[] = [];
  const insp = new Inspector({ out: (l) => lines.push(l), json: true, color: false, filter: parseFilter([]), live: false });
  insp.open(0, 'c', 's');
  for (let i = 0; i < bytes.length; i += chunk) insp.data(0, 'c2s', bytes.subarray(i, i + chunk));
  insp.end();
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

const ack = frame(1, { kind: 'basic.ack', deliveryTag: 7, multiple: false } as AnyMethod);

describe('decode', () => {
  it('recognises the protocol header, also of another version', () => {
    expect(decode(hex`414d5150 00000901 ${ack}`)[0]).toEqual({ offset: 0, size: 8, frame: 'protocol-header', version: '0-0-9-1' });
    expect(decode(hex`414d5150 01010009`)[0]).toMatchObject({ frame: 'protocol-header', version: '1-1-0-9' });
  });

  it('a method that does not decode is reported with its byte offset, and the next frame follows', () => {
    const bad = hex`01 0001 00000006 003c 0050 0000 ce`; // basic.ack with 2 of its 9 argument bytes
    for (const chunk of [1000, 1, 5]) {
      const out = decode(hex`${bad} ${ack}`, chunk);
      expect(out[0]).toMatchObject({ offset: 0, channel: 1, frame: 'method' });
      expect(out[0]!.error).toMatch(/byte offset 11\)$/);
      expect(out[1]).toMatchObject({ offset: 14, method: 'basic.ack', fields: { deliveryTag: 7, multiple: false } });
    }
  });

  it('after a bad frame end it says where, skips to the next frame and goes on', () => {
    const broken = hex`01 0001 00000004 003c 0050 41`; // frame end 0x41 at offset 11
    for (const chunk of [1000, 1, 3]) {
      const out = decode(hex`${ack} ${broken} 0000 ${ack}`, chunk);
      expect(out.map((l) => l.method ?? l.error ?? l.summary)).toEqual([
        'basic.ack',
        'frame end 0x41 at offset 32, expected 0xce',
        `skipped 14 bytes from offset 21 to the next frame at offset 35`,
        'basic.ack',
        expect.objectContaining({ errors: 2 }),
      ]);
      expect(out[3]!.offset).toBe(35);
    }
  });

  it('a truncated tail is reported at its offset', () => {
    const out = decode(hex`${ack} ${ack.subarray(0, 10)}`);
    expect(out[1]).toEqual({ offset: 21, error: 'stream ends inside a frame: 10 bytes at offset 21 left over' });
  });

  it('short strings that are not UTF-8 are shown by their bytes', () => {
    const m = frame(1, { kind: 'basic.consume-ok', consumerTag: textFromBytes(hex`ff 61`) } as AnyMethod);
    expect(decode(m)[0]!.fields).toEqual({ consumerTag: { bytes: 'ff61' } });
  });
});

describe('text output', () => {
  const lines = (color: boolean): string[] => {
    const out: string[] = [];
    const insp = new Inspector({ out: (l) => out.push(l), json: false, color, filter: parseFilter([]), live: false });
    insp.open(0, 'c', 's');
    insp.data(0, 'c2s', hex`${ack} ${ack.subarray(0, 3)}`);
    insp.end();
    return out;
  };

  it('colour only when asked (the command asks when stdout is a terminal), same columns either way', () => {
    const plain = lines(false);
    const colored = lines(true);
    expect(plain.join('\n')).not.toContain('\x1b[');
    expect(colored[0]).toContain('\x1b[1mbasic.ack\x1b[0m');
    expect(colored[1]).toContain('\x1b[31m');
    expect(colored.map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''))).toEqual(plain);
    expect(plain[0]).toBe('      @0  ch 1      basic.ack                           deliveryTag=7 multiple=false');
    expect(plain[1]).toBe('     @21            error                               stream ends inside a frame: 3 bytes at offset 21 left over');
  });
});

describe('the decode command', () => {
  const cli = (args: string[], input?: Uint8Array): string =>
    execFileSync(process.execPath, [`${root}node_modules/tsx/dist/cli.mjs`, `${root}tools/inspect/cli.ts`, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000, input });

  it('reads --hex and stdin alike; exit status 1 when the input had errors', () => {
    const fromHex = cli(['decode', '--json', '--hex', toHex(ack)]);
    expect(cli(['decode', '--json'], ack)).toBe(fromHex);
    expect(fromHex.split('\n')[0]).toBe('{"offset":0,"size":21,"channel":1,"frame":"method","method":"basic.ack","fields":{"deliveryTag":7,"multiple":false}}');
    let status = 0;
    try {
      cli(['decode', '--hex', `${toHex(ack)}0101`]);
    } catch (e) {
      status = (e as { status: number }).status;
    }
    expect(status).toBe(1);
  }, 120_000); // three Node processes with tsx: slow on a loaded 2-core machine
});

describe('field tables show their wire tags (issue 20: b -5 looked like I -5)', () => {
  const args = new Map<string, FieldValue>([
    ['b', field.int8(-5)], ['I', -5], ['l', field.int64(5)], ['d', field.double(3)], ['x', new Uint8Array([1])],
    ['n', new Map<string, FieldValue>([['u', field.uint16(7)], ['S', 'é']])], ['A', [1, field.float(1.5), null]],
  ]);
  const declare = frame(1, { kind: 'queue.declare', queue: 'q', passive: false, durable: false, exclusive: false, autoDelete: false, noWait: false, arguments: args as never } as AnyMethod);

  it('--json: every table and array value as { tag, value }', () => {
    expect((decode(declare)[0]!.fields as Record<string, unknown>).arguments).toEqual({
      b: { tag: 'b', value: -5 }, I: { tag: 'I', value: -5 }, l: { tag: 'l', value: 5 }, d: { tag: 'd', value: 3 }, x: { tag: 'x', value: { bytes: '01' } },
      n: { tag: 'F', value: { u: { tag: 'u', value: 7 }, S: { tag: 'S', value: 'é' } } },
      A: { tag: 'A', value: [{ tag: 'I', value: 1 }, { tag: 'f', value: 1.5 }, { tag: 'V', value: null }] },
    });
  });

  it('text: tag:value', () => {
    const out: string[] = [];
    const insp = new Inspector({ out: (l) => out.push(l), json: false, color: false, filter: parseFilter([]), live: false });
    insp.open(0, 'c', 's');
    insp.data(0, 'c2s', declare);
    insp.end();
    expect(out[0]).toContain('arguments={b: b:-5, I: I:-5, l: l:5, d: d:3, x: x:<1 B 0x01>, n: F:{u: u:7, S: S:"é"}, A: A:[I:1, f:1.5, V:null]}');
  });
});
