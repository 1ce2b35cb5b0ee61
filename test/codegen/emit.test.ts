/** Emitters on small inline specs: specific emitted lines, not whole snapshots. */
import { describe, expect, it } from 'vitest';
import { buildModel, generate } from '../../codegen/index.js';
import { errorClassName, methodTypeName, fieldName } from '../../codegen/names.js';
import { lines, miniSpec } from './helpers.js';

const demo = miniSpec(`
  <class name="demo" index="200" label="demo class">
    <chassis name="server" implement="MUST"/>
    <field name="content-type" domain="shortstr" label="MIME content type"/>
    <field name="priority" domain="octet"/>
    <field name="stamp" domain="timestamp"/>
    <method name="do-thing" synchronous="1" index="10" label="do a thing">
      <doc>Does a thing.</doc>
      <chassis name="server" implement="MUST"/>
      <response name="do-thing-ok"/>
      <field name="reserved-1" type="short" reserved="1"/>
      <field name="queue" domain="queue-name"/>
      <field name="a" domain="bit"/>
      <field name="reserved-2" type="bit" reserved="1"/>
      <field name="b" domain="bit"/>
      <field name="count" domain="longlong"/>
      <field name="b0" type="bit"/><field name="b1" type="bit"/><field name="b2" type="bit"/><field name="b3" type="bit"/>
      <field name="b4" type="bit"/><field name="b5" type="bit"/><field name="b6" type="bit"/><field name="b7" type="bit"/>
      <field name="b8" type="bit"/>
      <field name="arguments" domain="table"/>
    </method>
    <method name="do-thing-ok" synchronous="1" index="11">
      <chassis name="client" implement="MUST"/>
    </method>
  </class>`);

const files = generate({ spec: demo, importFrom: 'warren/codec' });

describe('names', () => {
  it('maps spec names to TypeScript', () => {
    expect(methodTypeName({ className: 'basic', name: 'consume-ok' })).toBe('BasicConsumeOk');
    expect(fieldName('routing-key')).toBe('routingKey');
    expect(errorClassName('not-found')).toBe('NotFoundError');
    expect(errorClassName('syntax-error')).toBe('AmqpSyntaxError');
    expect(errorClassName('frame-error')).toBe('AmqpFrameError');
    expect(errorClassName('channel-error')).toBe('ChannelError');
  });
});

describe('model', () => {
  it('groups at most 8 consecutive bits per octet, skipping nothing (reserved bits hold their place)', () => {
    const m = buildModel(demo).classes[0]!.methods[0]!;
    expect(m.groups.map((g) => (g.kind === 'bits' ? g.fields.map((f) => f.name) : g.field.name))).toEqual([
      'reserved-1', 'queue', ['a', 'reserved-2', 'b'], 'count',
      ['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7'], ['b8'], 'arguments',
    ]);
    expect(m.fields.find((f) => f.name === 'queue')!.asserts.map((a) => a.check)).toEqual(['length', 'regexp']);
  });
});

describe('codec emitter', () => {
  const codec = lines(files.get('codec/demo.ts'));
  it('imports only the codec runtime and the method types', () => {
    expect(codec).toContain("import { bit, readTable, writeTable, type Reader, type Writer } from 'warren/codec';");
    expect(codec).toContain("import type { DemoDoThing, DemoDoThingOk } from '../methods.js';");
  });
  it('writes reserved fields as zero and packs bits per group', () => {
    expect(codec).toContain('w.u16(0); // reserved-1');
    expect(codec).toContain("w.shortstr(m.queue, 'demo.do-thing', 'queue');");
    expect(codec).toContain("w.u8( // reserved-2: 0");
    expect(codec).toContain("| (bit(m.b, 'demo.do-thing', 'b') << 2)");
    expect(codec).toContain("| (bit(m.b7, 'demo.do-thing', 'b7') << 7)");
    expect(codec).toContain("w.u8(bit(m.b8, 'demo.do-thing', 'b8'));");
    expect(codec).toContain("w.longlong(m.count, 'demo.do-thing', 'count');");
    expect(codec).toContain("writeTable(w, m.arguments, 'demo.do-thing', 'arguments');");
  });
  it('decodes into a fixed-shape literal, kind first, without a strict-mode-reserved local', () => {
    expect(codec).toContain('r.short(); // reserved-1: ignored');
    expect(codec).toContain('const bits = r.octet();');
    expect(codec).toContain('const bits3 = r.octet();');
    expect(codec).toContain('const argumentsValue = readTable(r);');
    expect(codec).toContain("kind: 'demo.do-thing',");
    expect(codec).toContain('b: (bits & 0x04) !== 0,');
    expect(codec).toContain('arguments: argumentsValue,');
    expect(codec).toContain("return { kind: 'demo.do-thing-ok' };");
  });
  it('enforces no spec assert by default (RabbitMQ accepts 255-byte names of any UTF-8)', () => {
    expect(files.get('codec/demo.ts')).not.toContain('throw new EncodeError');
  });
  it('enforces asserts generically when asked', () => {
    const strict = lines(generate({ spec: demo, enforceAsserts: { length: true, regexp: true } }).get('codec/demo.ts'));
    expect(strict).toContain("if (utf8Length(m.queue) > 127) throw new EncodeError('demo.do-thing', 'queue', 'is over 127 bytes (spec assert length)');");
    expect(strict).toContain("if (!/^[a-zA-Z0-9-_.:]*$/.test(m.queue)) throw new EncodeError('demo.do-thing', 'queue', 'does not match ^[a-zA-Z0-9-_.:]*$ (spec assert regexp)');");
  });
});

describe('methods emitter', () => {
  const methods = lines(files.get('methods.ts'));
  it('one interface per method, reserved fields absent, spec types mapped', () => {
    expect(methods).toContain('export interface DemoDoThing {');
    expect(methods).toContain("kind: 'demo.do-thing';");
    expect(methods).toContain('count: Long;');
    expect(methods).toContain('arguments: FieldTable;');
    expect(files.get('methods.ts')).not.toMatch(/reserved1|reserved2/);
  });
  it('carries the spec doc and provenance', () => {
    expect(methods).toContain('* Does a thing.');
    expect(methods).toContain('* @generated from method demo.do-thing (class 200, method 10; synchronous; sent by the client)');
    expect(methods).toContain('* @generated from field queue (domain queue-name: shortstr)');
  });
  it('maps requests to responses and splits methods by direction', () => {
    expect(methods).toContain("'demo.do-thing': DemoDoThingOk;");
    expect(files.get('methods.ts')).toContain('export type ClientMethod =\n  | DemoDoThing;');
    expect(files.get('methods.ts')).toContain('export type ServerMethod =\n  | DemoDoThingOk;');
  });
});

describe('properties emitter', () => {
  const props = lines(files.get('properties.ts'));
  it('tests presence with !== undefined and sets flag bits from bit 15 down', () => {
    expect(props).toContain('contentType?: string;');
    expect(props).toContain('if (p.priority !== undefined) {');
    expect(props).toContain('flags |= 0x4000;');
    expect(props).toContain('stamp: (flags & 0x2000) !== 0 ? r.timestamp() : undefined,');
    expect(props).toContain('if ((flags & 0x1fff) !== 0) {');
  });
});

describe('errors, constants and registry emitters', () => {
  it('one class per reply code, with guard and factory', () => {
    const errors = lines(files.get('errors.ts'));
    expect(errors).toContain('export class NotFoundError extends ReplyError {');
    expect(errors).toContain("override name = 'NotFoundError';");
    expect(errors).toContain("super({ ...init, replyCode: 404, severity: 'soft' });");
    expect(errors).toContain("return e instanceof Error && e.name === 'NotFoundError';");
    expect(errors).toContain('return new NotFoundError(init);');
  });
  it('constants', () => {
    const constants = lines(files.get('constants.ts'));
    expect(constants).toContain('export const FRAME_END = 0xce;');
    expect(constants).toContain('method: 1,');
    expect(constants).toContain("[404, { name: 'not-found', severity: 'soft' }],");
  });
  it('registry: ids, flags, responses', () => {
    const registry = lines(files.get('registry.ts'));
    expect(registry).toContain('export const demoDoThing: MethodDef<DemoDoThing> = {');
    expect(registry).toContain('id: 0x00c8000a,');
    expect(registry).toContain("responses: ['demo.do-thing-ok'],");
    expect(registry).toContain("direction: 'client',");
    expect(registry).toContain("{ name: 'count', type: 'longlong' },");
    expect(registry).toContain('properties: (classId) => classId === 200 ? demoProperties : undefined,');
  });
});

describe('overlays', () => {
  const overlay = (xml: string) => ({ file: 'o.xml', xml: `<amqp>${xml}</amqp>` });
  const model = (xml: string) => buildModel(demo, [overlay(xml)]).classes[0]!;
  it('replaces a field in place under a new name, un-reserving it', () => {
    const c = model('<class name="demo"><method name="do-thing"><field name="c" replaces="reserved-2" domain="bit"/></method></class>');
    expect(c.methods[0]!.fields.slice(2, 5).map((f) => [f.name, f.reserved])).toEqual([['a', false], ['c', false], ['b', false]]);
  });
  it('merges methods (attributes, chassis replaced by name), appends new ones, removes on request', () => {
    const c = model(`<class name="demo">
      <method name="do-thing-ok"><chassis name="server" implement="MAY"/><field name="extra" type="long"/></method>
      <method name="new" index="20"><chassis name="client" implement="MUST"/></method>
      <method name="do-thing" synchronous="0"><response name="do-thing-ok" remove="1"/></method>
    </class>`);
    expect(c.methods.map((m) => [m.kind, m.direction])).toEqual([['demo.do-thing', 'client'], ['demo.do-thing-ok', 'both'], ['demo.new', 'server']]);
    expect(c.methods[0]!.synchronous).toBe(false);
    expect(c.methods[0]!.responses).toEqual([]);
    expect(c.methods[1]!.fields.map((f) => f.name)).toEqual(['extra']);
  });
});
