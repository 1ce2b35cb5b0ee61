/**
 * vitest globalSetup: one real RabbitMQ node for the whole run.
 *
 * Where the broker comes from, in order:
 * 1. WARREN_BROKER (JSON, set by `node scripts/broker.mjs run -- ...`): reuse that node, with
 *    rabbitmqctl access and TLS files.
 * 2. AMQP_URL (and optionally AMQPS_URL): an external broker. Tests that need rabbitmqctl or the
 *    TLS files then fail with a message saying so; they are never skipped.
 * 3. Otherwise: make test certificates, start a private node with a TLS listener (installing
 *    rabbitmq-server with apt-get first when running as root on a machine without it), and stop
 *    it in teardown.
 * If no broker can be had the run fails here, with the reason: a missing broker must never turn
 * into skipped or silently passing integration tests, locally or in CI.
 */
import { rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { startBroker } from '../../scripts/lib/broker.mjs';
import { generateTlsFiles, type TlsFiles } from './tls.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `amqp://guest:guest@127.0.0.1:<port>/` of the test broker. */
    amqpUrl: string;
    /** `amqps://...` of its TLS listener, or null for an external broker without AMQPS_URL. */
    amqpsUrl: string | null;
    /** Erlang node name for `rabbitmqctl -n`, or null for an external broker. */
    brokerNodeName: string | null;
    /** Variables (HOME, RABBITMQ_*) rabbitmqctl needs to reach the node, or null. */
    rabbitmqctlEnv: Record<string, string> | null;
    /** The certificate set the TLS listener uses, or null. */
    tlsFiles: TlsFiles | null;
  }
}

interface BrokerDescription {
  amqpUrl: string;
  amqpsUrl: string | null;
  nodeName: string | null;
  rabbitmqctlEnv: Record<string, string> | null;
  tlsFiles: TlsFiles | null;
}

function provideAll(project: TestProject, d: BrokerDescription): void {
  project.provide('amqpUrl', d.amqpUrl);
  project.provide('amqpsUrl', d.amqpsUrl);
  project.provide('brokerNodeName', d.nodeName);
  project.provide('rabbitmqctlEnv', d.rabbitmqctlEnv);
  project.provide('tlsFiles', d.tlsFiles);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = process.env.WARREN_BROKER;
  if (shared) {
    let parsed: BrokerDescription;
    try {
      parsed = JSON.parse(shared) as BrokerDescription;
    } catch (error) {
      throw new Error(`WARREN_BROKER is not valid JSON (it is set by scripts/broker.mjs run): ${String(error)}`);
    }
    provideAll(project, parsed);
    return async () => {};
  }
  const external = process.env.AMQP_URL;
  if (external) {
    process.stderr.write(`[broker] using external broker AMQP_URL=${external.replace(/:[^:@/]*@/, ':***@')}\n`);
    provideAll(project, {
      amqpUrl: external,
      amqpsUrl: process.env.AMQPS_URL ?? null,
      nodeName: null,
      rabbitmqctlEnv: null,
      tlsFiles: null,
    });
    return async () => {};
  }

  let tlsFiles: TlsFiles | undefined;
  try {
    tlsFiles = generateTlsFiles();
    const broker = await startBroker({
      tls: { cacertfile: tlsFiles.caCert, certfile: tlsFiles.serverCert, keyfile: tlsFiles.serverKey },
    });
    provideAll(project, {
      amqpUrl: broker.url,
      amqpsUrl: broker.tlsUrl ?? null,
      nodeName: broker.nodeName,
      rabbitmqctlEnv: broker.env,
      tlsFiles,
    });
    const files = tlsFiles;
    return async () => {
      await broker.stop();
      rmSync(files.dir, { recursive: true, force: true });
    };
  } catch (error) {
    if (tlsFiles) rmSync(tlsFiles.dir, { recursive: true, force: true });
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Cannot start the RabbitMQ test broker, so the test run fails (integration tests are never skipped).\n` +
        `Fix the cause below, or point the tests at a running broker with AMQP_URL=amqp://...\n\n${reason}`,
      { cause: error },
    );
  }
}
