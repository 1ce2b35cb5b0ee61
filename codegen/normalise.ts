/**
 * normalise: raw tree (base spec with overlays applied) → {@link Protocol}. Resolves domains,
 * groups bits, marks reserved fields, turns chassis into directions and responses into kinds,
 * and rejects anything inconsistent with a {@link SpecError} naming the file and the element.
 */
import type { Assert, Class, Constant, Direction, Domain, Field, FieldGroup, Method, PrimitiveType, Protocol, Rule } from './model.js';
import { PRIMITIVE_TYPES } from './model.js';
import { SpecError, childrenOf, pathOf, type RawElement } from './raw.js';

/** Dedents a `<doc>` body and trims blank lines at both ends, keeping paragraph breaks. */
export function cleanDoc(text: string): string {
  const lines = text.replace(/\t/g, '    ').split('\n').map((l) => l.trimEnd());
  while (lines.length > 0 && lines[0] === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const indent = Math.min(...lines.filter((l) => l !== '').map((l) => l.length - l.trimStart().length));
  return lines
    .map((l) => l.slice(Number.isFinite(indent) ? indent : 0))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n');
}

function docOf(el: RawElement, type?: string): string {
  return childrenOf(el, 'doc')
    .filter((d) => d.attrs['type'] === type)
    .map((d) => cleanDoc(d.text))
    .filter((t) => t !== '')
    .join('\n\n');
}

function rulesOf(el: RawElement): Rule[] {
  return childrenOf(el, 'rule').map((r) => {
    const scenario = docOf(r, 'scenario');
    return {
      name: r.attrs['name'] ?? '',
      ...(r.attrs['on-failure'] !== undefined && { onFailure: r.attrs['on-failure'] }),
      doc: docOf(r),
      ...(scenario !== '' && { scenario }),
    };
  });
}

function documented(el: RawElement): { label?: string; doc: string; grammar?: string; rules: Rule[] } {
  const grammar = docOf(el, 'grammar');
  return {
    ...(el.attrs['label'] !== undefined && { label: el.attrs['label'] }),
    doc: docOf(el),
    ...(grammar !== '' && { grammar }),
    rules: rulesOf(el),
  };
}

function assertsOf(el: RawElement): Assert[] {
  return childrenOf(el, 'assert').map((a) => {
    const { check = '', value, ...attrs } = a.attrs;
    return { check, ...(value !== undefined && { value }), attrs };
  });
}

function required(el: RawElement, attr: string, where: string): string {
  const v = el.attrs[attr];
  if (v === undefined || v === '') throw new SpecError(el.file, where, `missing attribute "${attr}"`);
  return v;
}

function integer(el: RawElement, attr: string, where: string, max: number): number {
  const text = required(el, attr, where);
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n > max) throw new SpecError(el.file, where, `${attr}="${text}" is not an integer from 0 to ${max}`);
  return n;
}

function primitive(el: RawElement, type: string, where: string): PrimitiveType {
  if (!(PRIMITIVE_TYPES as readonly string[]).includes(type)) {
    throw new SpecError(el.file, where, `unknown type "${type}" (expected one of ${PRIMITIVE_TYPES.join(', ')})`);
  }
  return type as PrimitiveType;
}

function chassisOf(el: RawElement, where: string): ('client' | 'server')[] {
  return childrenOf(el, 'chassis').map((c) => {
    const name = required(c, 'name', where);
    if (name !== 'client' && name !== 'server') throw new SpecError(c.file, `${where} > chassis "${name}"`, 'chassis must be "client" or "server"');
    return name;
  });
}

/** A method implemented (received) by the server is sent by the client, and vice versa. */
function directionOf(chassis: readonly ('client' | 'server')[]): Direction | undefined {
  const toServer = chassis.includes('server');
  const toClient = chassis.includes('client');
  if (toServer && toClient) return 'both';
  if (toServer) return 'client';
  if (toClient) return 'server';
  return undefined;
}

/** Consecutive bits share an octet, at most 8 to an octet (spec 4.2.5.2). */
export function groupFields(fields: readonly Field[]): FieldGroup[] {
  const groups: FieldGroup[] = [];
  let bits: Field[] | undefined;
  for (const field of fields) {
    if (field.type === 'bit') {
      if (!bits || bits.length === 8) {
        bits = [];
        groups.push({ kind: 'bits', fields: bits });
      }
      bits.push(field);
    } else {
      bits = undefined;
      groups.push({ kind: 'single', field });
    }
  }
  return groups;
}

function unique<T>(items: readonly T[], key: (t: T) => string, what: string, file: (t: T) => string, where: (t: T) => string): void {
  const seen = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) throw new SpecError(file(item), where(item), `duplicate ${what} ${k}`);
    seen.set(k, item);
  }
}

/** Normalises a (merged) spec tree into the protocol model. */
export function normalise(root: RawElement): Protocol {
  const constants: Constant[] = childrenOf(root, 'constant').map((c) => {
    const where = pathOf(c);
    const errorClass = c.attrs['class'];
    if (errorClass !== undefined && errorClass !== 'soft-error' && errorClass !== 'hard-error') {
      throw new SpecError(c.file, where, `class="${errorClass}" must be soft-error or hard-error`);
    }
    return { name: required(c, 'name', where), value: integer(c, 'value', where, 2 ** 31), ...(errorClass && { errorClass }), ...documented(c) };
  });
  unique(childrenOf(root, 'constant'), (c) => c.attrs['name']!, 'constant', (c) => c.file, (c) => pathOf(c));

  const domainEls = childrenOf(root, 'domain');
  unique(domainEls, (d) => d.attrs['name'] ?? '', 'domain', (d) => d.file, (d) => pathOf(d));
  const domains: Domain[] = domainEls.map((d) => {
    const where = pathOf(d);
    return { name: required(d, 'name', where), type: primitive(d, required(d, 'type', where), where), asserts: assertsOf(d), ...documented(d) };
  });
  const domainByName = new Map(domains.map((d) => [d.name, d]));

  const fieldOf = (f: RawElement, where: string): Field => {
    const name = required(f, 'name', where);
    const domainName = f.attrs['domain'];
    const typeName = f.attrs['type'];
    let type: PrimitiveType;
    let domain: Domain | undefined;
    if (domainName !== undefined) {
      domain = domainByName.get(domainName);
      if (!domain) throw new SpecError(f.file, where, `unknown domain "${domainName}"`);
      type = domain.type;
    } else if (typeName !== undefined) type = primitive(f, typeName, where);
    else throw new SpecError(f.file, where, 'a field needs a domain or a type');
    const doc = documented(f);
    return {
      name,
      ...(domain && domain.name !== domain.type && { domain: domain.name }),
      type,
      reserved: f.attrs['reserved'] === '1' || name.startsWith('reserved-'),
      asserts: [...assertsOf(f), ...(domain?.asserts ?? [])],
      ...doc,
      // A field without its own label or doc inherits its domain's (e.g. no-wait).
      ...(doc.label === undefined && domain?.label !== undefined && { label: domain.label }),
      ...(doc.doc === '' && domain && { doc: domain.doc }),
    };
  };

  const classEls = childrenOf(root, 'class');
  unique(classEls, (c) => c.attrs['name'] ?? '', 'class name', (c) => c.file, (c) => pathOf(c));
  unique(classEls, (c) => c.attrs['index'] ?? '', 'class index', (c) => c.file, (c) => pathOf(c));
  const classes: Class[] = classEls.map((c) => {
    const cWhere = pathOf(c);
    const className = required(c, 'name', cWhere);
    const classIndex = integer(c, 'index', cWhere, 0xffff);
    const propEls = childrenOf(c, 'field');
    unique(propEls, (f) => f.attrs['name'] ?? '', 'property', (f) => f.file, (f) => pathOf(c, f));
    const properties = propEls.map((f) => fieldOf(f, pathOf(c, f)));
    const methodEls = childrenOf(c, 'method');
    unique(methodEls, (m) => m.attrs['name'] ?? '', 'method name', (m) => m.file, (m) => pathOf(c, m));
    unique(methodEls, (m) => m.attrs['index'] ?? '', 'method index', (m) => m.file, (m) => pathOf(c, m));
    const methodNames = new Set(methodEls.map((m) => m.attrs['name']));
    const methods: Method[] = methodEls.map((m) => {
      const mWhere = pathOf(c, m);
      const name = required(m, 'name', mWhere);
      const chassis = chassisOf(m, mWhere);
      const direction = directionOf(chassis);
      if (!direction) throw new SpecError(m.file, mWhere, 'a method needs a <chassis> saying who implements it');
      const responses = childrenOf(m, 'response').map((r) => {
        const target = required(r, 'name', mWhere);
        if (!methodNames.has(target)) throw new SpecError(r.file, `${mWhere} > response "${target}"`, `no method "${target}" in class "${className}"`);
        return `${className}.${target}`;
      });
      const fieldEls = childrenOf(m, 'field');
      unique(fieldEls, (f) => f.attrs['name'] ?? '', 'field', (f) => f.file, (f) => pathOf(c, m, f));
      const fields = fieldEls.map((f) => fieldOf(f, pathOf(c, m, f)));
      return {
        name,
        kind: `${className}.${name}`,
        index: integer(m, 'index', mWhere, 0xffff),
        classIndex,
        className,
        synchronous: m.attrs['synchronous'] === '1',
        content: m.attrs['content'] === '1',
        deprecated: m.attrs['deprecated'] === '1',
        chassis,
        direction,
        responses,
        fields,
        groups: groupFields(fields),
        ...documented(m),
      };
    });
    methods.sort((a, b) => a.index - b.index);
    return {
      name: className,
      index: classIndex,
      ...(c.attrs['handler'] !== undefined && { handler: c.attrs['handler'] }),
      chassis: chassisOf(c, cWhere),
      properties,
      methods,
      ...documented(c),
    };
  });
  classes.sort((a, b) => a.index - b.index);

  const version = (attr: string): number => integer(root, attr, '<amqp>', 255);
  const port = root.attrs['port'];
  return {
    major: version('major'),
    minor: version('minor'),
    revision: version('revision'),
    ...(port !== undefined && { port: integer(root, 'port', '<amqp>', 0xffff) }),
    constants,
    domains,
    classes,
  };
}
