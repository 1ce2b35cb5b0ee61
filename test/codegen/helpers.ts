/** Shared inputs for the codegen tests: the project's spec and overlay, read once. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SpecSource } from '../../codegen/index.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function source(file: string): SpecSource {
  return { file, xml: readFileSync(`${ROOT}${file}`, 'utf8') };
}

export const SPEC = source('spec/amqp0-9-1.xml');
export const RABBITMQ = source('spec/rabbitmq.xml');
export const EXTENDED = source('test/fixtures/amqp0-9-1.extended.xml');
export const STRIPPED = source('test/fixtures/amqp0-9-1.stripped.extended.xml');

/** A minimal valid spec to build inline test snippets on. */
export function miniSpec(body: string, file = 'mini.xml'): SpecSource {
  return {
    file,
    xml: `<?xml version="1.0"?>
<amqp major="0" minor="9" revision="1" port="5672">
  <constant name="frame-method" value="1"/>
  <constant name="frame-end" value="206"/>
  <constant name="not-found" value="404" class="soft-error"><doc>Not there.</doc></constant>
  <domain name="bit" type="bit"/>
  <domain name="octet" type="octet"/>
  <domain name="short" type="short"/>
  <domain name="long" type="long"/>
  <domain name="longlong" type="longlong"/>
  <domain name="shortstr" type="shortstr"/>
  <domain name="longstr" type="longstr"/>
  <domain name="table" type="table"/>
  <domain name="timestamp" type="timestamp"/>
  <domain name="queue-name" type="shortstr" label="queue name">
    <assert check="length" value="127"/>
    <assert check="regexp" value="^[a-zA-Z0-9-_.:]*$"/>
  </domain>
${body}
</amqp>`,
  };
}

/** Lines of a generated file, trimmed, for asserting that specific lines are present. */
export function lines(text: string | undefined): string[] {
  if (text === undefined) throw new Error('file not generated');
  return text.split('\n').map((l) => l.trim());
}
