/**
 * spec/amqp0-9-1.xml + spec/rabbitmq.xml must describe the protocol RabbitMQ speaks: the same
 * model as RabbitMQ's own extended XML, except for three deliberate, documented differences
 * (see the comment at the top of spec/rabbitmq.xml), which this test pins down both ways: each
 * is asserted to be present in RabbitMQ's XML before it is corrected, so the test fails if
 * RabbitMQ fixes its XML (drop the correction) or on any other drift.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { buildModel, type Class, type Field, type Protocol } from '../../codegen/index.js';
import { EXTENDED, RABBITMQ, ROOT, SPEC, STRIPPED, lines } from './helpers.js';

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

/** Our three deliberate differences, applied to RabbitMQ's model. */
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
  // Spec erratum (both XML files): basic.recover is answered by basic.recover-ok.
  const recover = basic.methods.find((m) => m.kind === 'basic.recover')!;
  expect([recover.synchronous, recover.responses]).toEqual([false, []]);
  Object.assign(recover, { synchronous: true, responses: ['basic.recover-ok'] });
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
    expect(m('basic.recover')).toMatchObject({ synchronous: true, responses: ['basic.recover-ok'] });
    expect(m('basic.recover-async')).toMatchObject({ synchronous: false, responses: [] });
  });

  it('answers every synchronous request, and every -ok answers a request (the class of basic.recover\'s erratum)', () => {
    const all = ours.classes.flatMap((c) => c.methods);
    const answered = new Set(all.flatMap((m) => m.responses));
    const replies = all.filter((m) => answered.has(m.kind)).map((m) => m.kind);
    const requests = all.filter((m) => m.responses.length > 0).map((m) => m.kind);
    // Replies are exactly the methods named -ok, plus basic.get-empty.
    expect(replies.sort()).toEqual(all.filter((m) => m.kind.endsWith('-ok') || m.kind === 'basic.get-empty').map((m) => m.kind).sort());
    // Every request with a response is synchronous; a synchronous method answers nothing only if it is a reply.
    expect(all.filter((m) => m.responses.length > 0 && !m.synchronous).map((m) => m.kind)).toEqual([]);
    expect(all.filter((m) => m.synchronous && m.responses.length === 0 && !answered.has(m.kind)).map((m) => m.kind)).toEqual([]);
    // Every x-ok answers x.
    for (const kind of replies.filter((k) => k.endsWith('-ok'))) expect(all.find((m) => m.kind === kind.slice(0, -3))!.responses).toContain(kind);
    expect(requests).toContain('basic.recover');
  });

  // The committed generated/ (drift.test.ts proves it equals a fresh generation).
  it('emits basic.recover as an awaitable request: ResponseMap, registry, provenance', () => {
    const methods = lines(readFileSync(`${ROOT}generated/methods.ts`, 'utf8'));
    const registry = lines(readFileSync(`${ROOT}generated/registry.ts`, 'utf8'));
    expect(methods).toContain("'basic.recover': BasicRecoverOk;");
    expect(methods).toContain('* @generated from method basic.recover (class 60, method 110; synchronous; sent by the client)');
    expect(methods).toContain('* @generated from method basic.recover-async (class 60, method 100; asynchronous; sent by the client; deprecated)');
    expect(methods.filter((l) => l.startsWith("'basic.recover-async':"))).toEqual(["'basic.recover-async': BasicRecoverAsync;"]);
    const def = registry.slice(registry.indexOf('export const basicRecover: MethodDef<BasicRecover> = {'));
    expect(def.slice(0, 8)).toEqual(expect.arrayContaining(['synchronous: true,', "responses: ['basic.recover-ok'],"]));
  });

  it('lets a user overlay undo the basic.recover erratum', () => {
    const undo = {
      file: 'undo.xml',
      xml: '<amqp><class name="basic"><method name="recover" synchronous="0"><response name="recover-ok" remove="1"/></method></class></amqp>',
    };
    const recover = buildModel(SPEC, [RABBITMQ, undo]).classes.flatMap((c) => c.methods).find((x) => x.kind === 'basic.recover')!;
    expect(recover).toMatchObject({ synchronous: false, responses: [] });
  });
});
