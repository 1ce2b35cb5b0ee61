/**
 * A protocol registry generated at test time from the spec, RabbitMQ's overlay and a TEST
 * overlay with a class of its own, written to a temp folder and imported: what a user does with
 * `warren-codegen --overlay`. Shared by the unit test (scripted peer) and the integration test
 * (a real broker with `connect({ registry })`).
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generate, writeFiles } from '../../../codegen/index.js';
import type { ProtocolRegistry } from '../../../runtime/codec/index.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const source = (file: string) => ({ file, xml: readFileSync(join(ROOT, file), 'utf8') });

/** Class 200 `probe`: a synchronous request/answer pair and a content-carrying push. */
export const TEST_OVERLAY = {
  file: 'test/probe.xml',
  xml: `<amqp>
  <class name="probe" handler="channel" index="200" label="test-only extensions">
    <doc>Methods no broker knows, to prove an overlay travels through the runtime.</doc>
    <chassis name="server" implement="MAY"/>
    <chassis name="client" implement="MAY"/>
    <field name="trace-id" domain="shortstr" label="trace id"/>
    <method name="ask" synchronous="1" index="10" label="ask something">
      <chassis name="server" implement="MUST"/>
      <response name="ask-ok"/>
      <field name="question" domain="shortstr"/>
      <field name="urgent" domain="bit"/>
      <field name="after" domain="longlong"/>
    </method>
    <method name="ask-ok" synchronous="1" index="11">
      <chassis name="client" implement="MUST"/>
      <field name="answer" domain="longstr"/>
    </method>
    <method name="push" content="1" index="20" label="push a record">
      <chassis name="client" implement="MUST"/>
      <field name="seq" domain="longlong"/>
    </method>
  </class>
</amqp>`,
};

/** Generates into `.tmp/`, imports the registry; `cleanup()` removes the folder. */
export async function overlayRegistry(): Promise<{ registry: ProtocolRegistry; cleanup: () => void }> {
  const dir = join(ROOT, '.tmp', `probe-overlay-${process.pid}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir, { recursive: true });
  const files = generate({
    spec: source('spec/amqp0-9-1.xml'),
    overlays: [source('spec/rabbitmq.xml'), TEST_OVERLAY],
    // Import the runtime by path: the same module instance the core under test uses.
    importFrom: join(ROOT, 'runtime/codec/index.js'),
  });
  writeFiles(dir, files);
  const mod = (await import(pathToFileURL(join(dir, 'index.ts')).href)) as { registry: ProtocolRegistry };
  return { registry: mod.registry, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
