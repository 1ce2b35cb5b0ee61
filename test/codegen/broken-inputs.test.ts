/** A broken spec or overlay gives one clear error naming the file and the element, and writes nothing. */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpecError, generate } from '../../codegen/index.js';
import { main } from '../../codegen/run.js';
import { ROOT, miniSpec } from './helpers.js';

function errorOf(run: () => unknown): SpecError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return e as SpecError;
  }
  throw new Error('expected a SpecError');
}

const method = (fields: string, attrs = 'name="m" index="10"') =>
  `<class name="demo" index="200"><chassis name="server" implement="MUST"/><method ${attrs}><chassis name="server" implement="MUST"/>${fields}</method></class>`;

describe('broken inputs', () => {
  it('unknown domain', () => {
    const e = errorOf(() => generate({ spec: miniSpec(method('<field name="x" domain="no-such-domain"/>'), 'spec/broken.xml') }));
    expect(e.message).toBe('spec/broken.xml: class "demo" > method "m" > field "x": unknown domain "no-such-domain"');
  });

  it('duplicate method index', () => {
    const xml = `<class name="demo" index="200"><method name="a" index="10"><chassis name="server" implement="MUST"/></method><method name="b" index="10"><chassis name="server" implement="MUST"/></method></class>`;
    const e = errorOf(() => generate({ spec: miniSpec(xml, 'spec/dup.xml') }));
    expect(e.message).toBe('spec/dup.xml: class "demo" > method "b": duplicate method index 10');
  });

  it('bad XML, with line and column', () => {
    const e = errorOf(() => generate({ spec: { file: 'spec/bad.xml', xml: '<amqp>\n  <class name="x">\n</amqp>' } }));
    expect(e.file).toBe('spec/bad.xml');
    expect(e.message).toMatch(/^spec\/bad\.xml: line 3, column \d+: not well-formed XML: .*class/);
  });

  it('an overlay naming an unknown class', () => {
    const overlay = { file: 'my-overlay.xml', xml: '<amqp><class name="bsaic"><method name="nack" index="120"/></class></amqp>' };
    const e = errorOf(() => generate({ spec: miniSpec(''), overlays: [overlay] }));
    expect(e.message).toMatch(/^my-overlay\.xml: <amqp> > class "bsaic": unknown class "bsaic"/);
  });

  it('an overlay replacing a field that does not exist', () => {
    const overlay = { file: 'o.xml', xml: '<amqp><class name="demo"><method name="m"><field name="y" replaces="nope" type="bit"/></method></class></amqp>' };
    const e = errorOf(() => generate({ spec: miniSpec(method('<field name="x" type="bit"/>')), overlays: [overlay] }));
    expect(e.message).toBe('o.xml: <amqp> > class "demo" > method "m" > field "y": replaces "nope", but there is no field "nope" in <amqp> > class "demo" > method "m"');
  });

  it('a response naming no method, and a method without chassis', () => {
    expect(errorOf(() => generate({ spec: miniSpec(method('<response name="m-ok"/>')) })).message).toBe(
      'mini.xml: class "demo" > method "m" > response "m-ok": no method "m-ok" in class "demo"',
    );
    const noChassis = '<class name="demo" index="200"><method name="m" index="1"/></class>';
    expect(errorOf(() => generate({ spec: miniSpec(noChassis) })).message).toBe(
      'mini.xml: class "demo" > method "m": a method needs a <chassis> saying who implements it',
    );
  });

  it('the CLI writes nothing and exits 2', () => {
    const dir = join(ROOT, '.tmp', `broken-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'spec.xml'), miniSpec(method('<field name="x" domain="nope"/>')).xml);
    let err = '';
    const code = main(['--spec', 'spec.xml', '--out', 'out'], { cwd: dir, stdout: () => {}, stderr: (t) => (err += t) });
    expect(code).toBe(2);
    expect(err).toContain('spec.xml: class "demo" > method "m" > field "x": unknown domain "nope"');
    expect(existsSync(join(dir, 'out'))).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});
