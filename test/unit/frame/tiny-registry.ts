/**
 * A hand-made two-method registry, so the frame layer is tested without generated code.
 * Class 100: `tiny.echo` (10; shortstr text, short n) and `tiny.publish` (20; carries content;
 * shortstr key). Content properties of class 100: flags, then `tag` (shortstr, bit 15).
 */
import type { AnyMethod, MethodDef, PropertiesDef, ProtocolRegistry } from '../../../runtime/codec/index.js';

export interface TinyEcho extends AnyMethod { kind: 'tiny.echo'; text: string; n: number }
export interface TinyPublish extends AnyMethod { kind: 'tiny.publish'; key: string }
export interface TinyProps { tag?: string }

export const tinyEcho: MethodDef<TinyEcho> = {
  kind: 'tiny.echo', classId: 100, methodId: 10, id: (100 << 16) | 10,
  synchronous: false, responses: [], content: false, direction: 'both',
  fields: [{ name: 'text', type: 'shortstr' }, { name: 'n', type: 'short' }],
  encode(w, m) {
    w.shortstr(m.text, 'tiny.echo', 'text');
    w.short(m.n, 'tiny.echo', 'n');
  },
  decode(r) {
    const text = r.shortstr();
    const n = r.short();
    return { kind: 'tiny.echo', text, n };
  },
};

export const tinyPublish: MethodDef<TinyPublish> = {
  kind: 'tiny.publish', classId: 100, methodId: 20, id: (100 << 16) | 20,
  synchronous: false, responses: [], content: true, direction: 'client',
  fields: [{ name: 'key', type: 'shortstr' }],
  encode(w, m) {
    w.shortstr(m.key, 'tiny.publish', 'key');
  },
  decode(r) {
    return { kind: 'tiny.publish', key: r.shortstr() };
  },
};

export const tinyProps: PropertiesDef<TinyProps> = {
  classId: 100,
  fields: [{ name: 'tag', type: 'shortstr' }],
  encode(w, p) {
    w.u16(p.tag !== undefined ? 0x8000 : 0);
    if (p.tag !== undefined) w.shortstr(p.tag, 'tiny properties', 'tag');
  },
  decode(r) {
    const flags = r.short();
    return flags & 0x8000 ? { tag: r.shortstr() } : {};
  },
};

const defs = [tinyEcho, tinyPublish] as unknown as MethodDef[];

export const tinyRegistry: ProtocolRegistry = {
  methods: defs,
  byId: (id) => defs.find((d) => d.id === id),
  byKind: (kind) => defs.find((d) => d.kind === kind),
  properties: (classId) => (classId === 100 ? (tinyProps as PropertiesDef) : undefined),
  replyCodes: new Map(),
};
