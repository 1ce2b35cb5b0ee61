/**
 * A user's own overlay, generated into their own folder: the output type-checks against the
 * codec runtime as `warren/codec`, and the new methods round-trip through their generated
 * encoders and decoders (and the registry).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, writeFiles } from '../../codegen/index.js';
import { RABBITMQ, ROOT, SPEC } from './helpers.js';

const USER_OVERLAY = {
  file: 'src/amqp/acme.xml',
  xml: `<amqp>
  <class name="acme" handler="channel" index="200" label="Acme's broker extensions">
    <doc>Our broker plugin's methods.</doc>
    <chassis name="server" implement="MAY"/>
    <chassis name="client" implement="MAY"/>
    <field name="trace-id" domain="shortstr" label="trace id"/>
    <field name="hops" domain="short" label="hop count"/>
    <method name="lookup" synchronous="1" index="10" label="look something up">
      <doc>Asks the broker for a record.</doc>
      <chassis name="server" implement="MUST"/>
      <response name="lookup-ok"/>
      <field name="reserved-1" type="short" reserved="1"/>
      <field name="key" domain="shortstr"/>
      <field name="exact" domain="bit"/>
      <field name="deep" domain="bit"/>
      <field name="after" domain="longlong"/>
      <field name="filter" domain="table"/>
    </method>
    <method name="lookup-ok" synchronous="1" index="11">
      <chassis name="client" implement="MUST"/>
      <field name="position" domain="delivery-tag"/>
      <field name="found" domain="bit"/>
      <field name="record" domain="table"/>
      <field name="at" domain="timestamp"/>
    </method>
    <method name="push" content="1" index="20" label="push a record">
      <chassis name="client" implement="MUST"/>
      <field name="key" domain="shortstr"/>
      <field name="seq" domain="longlong"/>
    </method>
  </class>
</amqp>`,
};

const base = join(ROOT, '.tmp', `user-overlay-${process.pid}`);
const typed = join(base, 'typed', 'src', 'amqp');
const runnable = join(base, 'runnable');

beforeAll(() => {
  rmSync(base, { recursive: true, force: true });
  mkdirSync(typed, { recursive: true });
  // As a user would: the default import of the published codec runtime.
  writeFiles(typed, generate({ spec: SPEC, overlays: [RABBITMQ, USER_OVERLAY] }));
  writeFileSync(join(base, 'typed', 'package.json'), '{ "type": "module" }');
  // Same generation importing the runtime by path, for loading without the package built.
  writeFiles(runnable, generate({ spec: SPEC, overlays: [RABBITMQ, USER_OVERLAY], importFrom: `${join(ROOT, 'runtime/codec/index.js')}` }));
}, 60_000);

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('a user overlay', () => {
  it('generates code that type-checks against warren/codec (tsc --strict)', () => {
    const program = ts.createProgram({
      rootNames: [join(typed, 'index.ts')],
      options: {
        target: ts.ScriptTarget.ES2022,
        lib: ['lib.es2023.d.ts'],
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        strict: true,
        noUncheckedIndexedAccess: true,
        noImplicitOverride: true,
        verbatimModuleSyntax: true,
        noEmit: true,
        skipLibCheck: true,
        // The codec runtime uses TextEncoder/TextDecoder, declared by @types/node.
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules/@types')],
        paths: { 'warren/codec': [join(ROOT, 'runtime/codec/index.ts')] },
      },
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  }, 120_000); // a whole tsc program: over 30 s seen on a loaded 2-core machine

  it('round-trips the new methods and properties', async () => {
    const g = await import(pathToFileURL(join(runnable, 'index.ts')).href);
    const codec = await import('../../runtime/codec/index.js');
    const roundTrip = (kind: string, value: object) => {
      const def = g.registry.byKind(kind);
      const w = new codec.Writer();
      def.encode(w, value);
      return def.decode(new codec.Reader(w.toBytes()));
    };
    const lookup = { kind: 'acme.lookup', key: 'k', exact: true, deep: false, after: 2n ** 60n, filter: { x: 1 } };
    expect(roundTrip('acme.lookup', lookup)).toEqual(lookup);
    const ok = { kind: 'acme.lookup-ok', position: 9007199254740993n, found: true, record: { a: 'b' }, at: new Date(1_700_000_000_000) };
    expect(roundTrip('acme.lookup-ok', ok)).toEqual(ok);
    const push = { kind: 'acme.push', key: 'p', seq: 7 };
    expect(roundTrip('acme.push', push)).toEqual(push);

    expect(g.registry.byId((200 << 16) | 10)).toMatchObject({ kind: 'acme.lookup', synchronous: true, responses: ['acme.lookup-ok'], direction: 'client' });
    expect(g.acmePush).toMatchObject({ content: true, direction: 'server', fields: [{ name: 'key', type: 'shortstr' }, { name: 'seq', type: 'longlong' }] });

    const props = g.registry.properties(200);
    const w = new codec.Writer();
    props.encode(w, { traceId: 't-1', hops: 0 });
    expect(Array.from(w.toBytes().subarray(0, 2))).toEqual([0xc0, 0x00]);
    expect(props.decode(new codec.Reader(w.toBytes()))).toEqual({ traceId: 't-1', hops: 0 });
  });

  it('bit packing on the wire: exact and deep share one octet, first bit lowest', async () => {
    const g = await import(pathToFileURL(join(runnable, 'index.ts')).href);
    const codec = await import('../../runtime/codec/index.js');
    const w = new codec.Writer();
    g.encodeAcmeLookup(w, { kind: 'acme.lookup', key: '', exact: false, deep: true, after: 1, filter: {} });
    expect(Buffer.from(w.toBytes()).toString('hex')).toBe('0000' + '00' + '02' + '0000000000000001' + '00000000');
  });
});
