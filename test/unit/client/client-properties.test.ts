// Which runtime the client-properties `platform` names: each runtime by its own global, never by
// the `process.version` that Bun, Deno and workerd imitate (the values below are what each one
// really exposes, seen on Bun 1.4.5, Deno 2.9.6, Node 20.20 and 24.21). The real runtimes are
// checked end to end against the broker by test/runtimes/portable.test.ts.
import { describe, expect, it } from 'vitest';
import { clientProperties, detectRuntime } from '../../../runtime/client/session/client-properties.js';

const nodeProcess = (version: string) => ({ version, release: { name: 'node' } });

describe('detectRuntime', () => {
  it('names Bun by Bun.version, not the Node version its process object claims', () => {
    const globals = { Bun: { version: '1.4.5' }, navigator: { userAgent: 'Bun/1.4.5' }, process: nodeProcess('v26.3.0') };
    expect(detectRuntime(globals)).toEqual({ name: 'bun', version: '1.4.5', platform: 'Bun 1.4.5' });
  });

  it('names Deno by Deno.version.deno', () => {
    const globals = { Deno: { version: { deno: '2.9.6', v8: '15.0.245.2-rusty' } }, navigator: { userAgent: 'Deno/2.9.6' }, process: nodeProcess('v26.3.0') };
    expect(detectRuntime(globals)).toEqual({ name: 'deno', version: '2.9.6', platform: 'Deno 2.9.6' });
  });

  it('names workerd by its fixed user agent, even with a nodejs_compat process object', () => {
    const globals = { navigator: { userAgent: 'Cloudflare-Workers' }, process: nodeProcess('v22.0.0') };
    expect(detectRuntime(globals)).toEqual({ name: 'workerd', version: undefined, platform: 'Cloudflare Workers (workerd)' });
  });

  it('names Node by process.release.name', () => {
    expect(detectRuntime({ navigator: { userAgent: 'Node.js/24' }, process: nodeProcess('v24.21.0') }).platform).toBe('Node.js v24.21.0');
    expect(detectRuntime().platform).toBe(`Node.js ${process.version}`);
  });

  it('falls back to JavaScript when nothing is recognised (a version-less process is not Node)', () => {
    expect(detectRuntime({}).platform).toBe('JavaScript');
    expect(detectRuntime({ process: { version: 'v1.0.0' } }).platform).toBe('JavaScript');
    expect(detectRuntime({ Bun: { version: 1 } }).name).toBe('unknown');
  });
});

describe('clientProperties', () => {
  it('sends the platform with product, version and capabilities; extra entries override', () => {
    const props = clientProperties('orders', { information: 'x' });
    expect(props).toMatchObject({ product: 'warren', platform: `Node.js ${process.version}`, connection_name: 'orders', information: 'x' });
    expect(clientProperties(undefined, { platform: 'mine' }).platform).toBe('mine');
  });
});
