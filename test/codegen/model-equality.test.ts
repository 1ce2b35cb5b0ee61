/**
 * spec/amqp0-9-1.xml + spec/rabbitmq.xml must describe the protocol RabbitMQ speaks: the same
 * model as RabbitMQ's own extended XML, except for two deliberate, documented differences
 * (see the comment at the top of spec/rabbitmq.xml), which this test pins down both ways.
 */
import { describe, expect, it } from 'vitest';
import { buildModel, type Class, type Field, type Protocol } from '../../codegen/index.js';
import { EXTENDED, RABBITMQ, SPEC, STRIPPED } from './helpers.js';

const ours = buildModel(SPEC, [RABBITMQ]);
const extended = buildModel(EXTENDED);
const stripped = buildModel(STRIPPED);

const fieldShape = (f: Field) => ({ name: f.name, domain: f.domain, type: f.type, reserved: f.reserved });

function shape(p: Protocol) {
  return {
    version: [p.major, p.minor, p.revision],
    constants: p.constants.map((c) => ({ name: c.name, value: c.value, errorClass: c.errorClass })).sort((a, b) => a.value - b.value),
    domains: p.domains.map((d) => ({ name: d.name, type: d.type })).sort((a, b) => a.name.localeCompare(b.name)),
    classes: p.classes.map((c: Class) => ({
      name: c.name,
      index: c.index,
      chassis: [...c.chassis].sort(),
      properties: c.properties.map(fieldShape),
      methods: c.methods.map((m) => ({
        kind: m.kind,
        index: m.index,
        synchronous: m.synchronous,
        content: m.content,
        chassis: [...m.chassis].sort(),
        direction: m.direction,
        responses: m.responses,
        fields: m.fields.map(fieldShape),
        groups: m.groups.map((g) => (g.kind === 'bits' ? g.fields.map((f) => f.name) : g.field.name)),
      })),
    })),
  };
}

type Shape = ReturnType<typeof shape>;

/** Our two deliberate differences, applied to RabbitMQ's model. */
function withOurCorrections(s: Shape): Shape {
  const copy = structuredClone(s);
  const connection = copy.classes.find((c) => c.name === 'connection')!;
  const secret = connection.methods.find((m) => m.kind === 'connection.update-secret')!;
  const secretOk = connection.methods.find((m) => m.kind === 'connection.update-secret-ok')!;
  expect([secret.chassis, secretOk.chassis]).toEqual([['client'], ['server']]);
  Object.assign(secret, { chassis: ['server'], direction: 'client' });
  Object.assign(secretOk, { chassis: ['client'], direction: 'server' });
  const basic = copy.classes.find((c) => c.name === 'basic')!;
  const last = basic.properties[13]!;
  expect(last.name).toBe('reserved');
  last.name = 'cluster-id';
  return copy;
}

describe('base spec + rabbitmq.xml overlay', () => {
  it('has the extended spec\'s 7 classes and 64 methods', () => {
    expect(ours.classes.map((c) => `${c.name}:${c.index}`)).toEqual(['connection:10', 'channel:20', 'exchange:40', 'queue:50', 'basic:60', 'confirm:85', 'tx:90']);
    expect(ours.classes.flatMap((c) => c.methods)).toHaveLength(64);
  });

  it('equals RabbitMQ\'s extended XML: classes, methods, ids, fields, domains, types, flags, responses, chassis', () => {
    expect(shape(ours)).toEqual(withOurCorrections(shape(extended)));
  });

  it('agrees with the stripped extended XML on every id and field', () => {
    const ids = (p: Protocol) =>
      p.classes.flatMap((c) => [
        `${c.name} ${c.index} properties ${c.properties.map((f) => `${f.name}:${f.type}`).join(',')}`,
        ...c.methods.map((m) => `${m.kind} ${c.index}.${m.index} ${m.fields.map((f) => `${f.name}:${f.type}${f.reserved ? ':reserved' : ''}`).join(',')}`),
      ]);
    const theirs = ids(stripped).map((l) => l.replace(/,reserved:shortstr$/, ',cluster-id:shortstr'));
    expect(ids(ours)).toEqual(theirs);
  });

  it('gets RabbitMQ\'s facts right', () => {
    const m = (kind: string) => ours.classes.flatMap((c) => c.methods).find((x) => x.kind === kind)!;
    expect(m('exchange.unbind-ok').index).toBe(51);
    expect(m('basic.nack').index).toBe(120);
    expect(['basic.ack', 'basic.nack', 'basic.cancel'].map((k) => m(k).direction)).toEqual(['both', 'both', 'both']);
    expect(m('exchange.declare').fields.filter((f) => !f.reserved).map((f) => f.name)).toEqual([
      'exchange', 'type', 'passive', 'durable', 'auto-delete', 'internal', 'no-wait', 'arguments',
    ]);
    expect(ours.constants.find((c) => c.name === 'no-route')).toMatchObject({ value: 312, errorClass: 'soft-error' });
    expect(m('connection.update-secret').direction).toBe('client');
  });
});
