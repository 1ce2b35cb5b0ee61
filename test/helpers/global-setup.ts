/**
 * vitest globalSetup: one real RabbitMQ node per test project (vitest.config.ts has one project
 * per RabbitMQ version; the version comes from the project's `provide.rabbitmqVersion`, else
 * WARREN_RABBITMQ, else 3.10).
 *
 * Where the broker comes from, in order:
 * 1. WARREN_BROKER (JSON, set by `node scripts/broker.mjs run -- ...`): reuse that node, with
 *    rabbitmqctl access and TLS files.
 * 2. AMQP_URL (and optionally AMQPS_URL): an external broker. Tests that need rabbitmqctl or the
 *    TLS files then fail with a message saying so; they are never skipped.
 * 3. Otherwise: make test certificates, start a private node of the project's version with a TLS
 *    listener (installing rabbitmq-server with apt-get, or building the 4.3 root, first when
 *    running as root on a machine without it), and stop it in teardown.
 * In every case the broker's own connection.start says which product and version it is; that is
 * logged and provided to tests (`brokerVersion`), so a test asserts each version's behaviour.
 * If no broker can be had the run fails here, with the reason: a missing broker must never turn
 * into skipped or silently passing integration tests, locally or in CI.
 */
import { rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import type { RabbitmqVersion } from '../../scripts/lib/broker.d.mts';
import { startBroker } from '../../scripts/lib/broker.mjs';
import { serveClusterLeases } from '../../scripts/lib/cluster-lease.mjs';
import { parseRabbitmqVersion } from '../../scripts/lib/rabbitmq.mjs';
import { serverProperties } from '../../scripts/lib/server-info.mjs';
import { generateTlsFiles, type TlsFiles } from './tls.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The RabbitMQ version this project asks for (`'3.10'`, `'4.3'`); set in vitest.config.ts. */
    rabbitmqVersion: string;
    /** `amqp://guest:guest@127.0.0.1:<port>/` of the test broker. */
    amqpUrl: string;
    /** `amqps://...` of its TLS listener, or null for an external broker without AMQPS_URL. */
    amqpsUrl: string | null;
    /** Erlang node name for `rabbitmqctl -n`, or null for an external broker. */
    brokerNodeName: string | null;
    /** Variables (HOME, RABBITMQ_*) rabbitmqctl needs to reach the node, or null. */
    rabbitmqctlEnv: Record<string, string> | null;
    /** The root the node runs in (RabbitMQ 4.3), null for the host's installation or external. */
    brokerRoot: string | null;
    /** What the broker reports in connection.start: `{ product, version, platform }`. */
    brokerServer: { product: string; version: string; platform: string };
    /** The certificate set the TLS listener uses, or null. */
    tlsFiles: TlsFiles | null;
    /** Socket of the project's cluster lease server (test/helpers/broker-cluster.ts), or null. */
    clusterLease: string | null;
  }
}

interface BrokerDescription {
  amqpUrl: string;
  amqpsUrl: string | null;
  nodeName: string | null;
  rabbitmqctlEnv: Record<string, string> | null;
  rabbitmqRoot?: string | null;
  server?: { product: string; version: string; platform: string };
  tlsFiles: TlsFiles | null;
}

/** Asks the broker behind an amqp:// URL what it is. */
async function askServer(url: string): Promise<{ product: string; version: string; platform: string }> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'amqp:') throw new Error(`AMQP_URL must be an amqp:// URL (got ${parsed.protocol})`);
  const props = await serverProperties({ host: parsed.hostname, port: Number(parsed.port || 5672) });
  return { product: props.product ?? 'unknown', version: props.version ?? 'unknown', platform: props.platform ?? 'unknown' };
}

async function provideAll(project: TestProject, d: BrokerDescription, asked?: string): Promise<void> {
  const server = d.server ?? (await askServer(d.amqpUrl));
  // A broker we did not start is whatever version it says it is.
  project.provide('rabbitmqVersion', asked ?? server.version.split('.').slice(0, 2).join('.'));
  project.provide('amqpUrl', d.amqpUrl);
  project.provide('amqpsUrl', d.amqpsUrl);
  project.provide('brokerNodeName', d.nodeName);
  project.provide('rabbitmqctlEnv', d.rabbitmqctlEnv);
  project.provide('brokerRoot', d.rabbitmqRoot ?? null);
  project.provide('brokerServer', server);
  project.provide('tlsFiles', d.tlsFiles);
  process.stderr.write(`[broker] project ${project.name || '(root)'}: ${server.product} ${server.version} on ${server.platform} at ${d.amqpUrl}\n`);
}

/**
 * rabbitmq.conf lines every test node gets. max_message_size: 3.10's default is 128 MiB, 4.x's
 * 16 MiB; the tests of warren's large-message handling send 64 MiB, so every version gets 3.10's
 * limit (test/infra/broker.test.ts checks it; a broker started elsewhere keeps its own).
 */
export const TEST_NODE_CONFIG = ['max_message_size = 134217728'];

type Started = { broker: Awaited<ReturnType<typeof startBroker>>; tlsFiles: TlsFiles };

/** Starts (once per run and version: the map lives on globalThis, shared by the projects' setups) a node with TLS. */
function testBroker(version: string): Promise<Started> {
  const starts = ((globalThis as { warrenTestBrokers?: Map<string, Promise<Started>> }).warrenTestBrokers ??= new Map());
  let start = starts.get(version);
  if (!start) {
    start = (async () => {
      const tlsFiles = generateTlsFiles();
      try {
        const broker = await startBroker({
          rabbitmq: version,
          tls: { cacertfile: tlsFiles.caCert, certfile: tlsFiles.serverCert, keyfile: tlsFiles.serverKey },
          config: TEST_NODE_CONFIG,
        });
        return { broker, tlsFiles };
      } catch (error) {
        rmSync(tlsFiles.dir, { recursive: true, force: true });
        throw error;
      }
    })();
    starts.set(version, start);
  }
  return start;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const asked = parseRabbitmqVersion(project.getProvidedContext().rabbitmqVersion ?? process.env.WARREN_RABBITMQ);
  // One cluster per project, formed when a file first asks and lent to one file at a time.
  const leases = await serveClusterLeases({ rabbitmq: asked });
  project.provide('clusterLease', leases.path);
  try {
    const teardown = await setupBroker(project, asked);
    return async () => {
      await Promise.all([leases.stop(), teardown()]);
    };
  } catch (error) {
    await leases.stop();
    throw error;
  }
}

async function setupBroker(project: TestProject, asked: RabbitmqVersion): Promise<() => Promise<void>> {
  const shared = process.env.WARREN_BROKER;
  if (shared) {
    let parsed: BrokerDescription;
    try {
      parsed = JSON.parse(shared) as BrokerDescription;
    } catch (error) {
      throw new Error(`WARREN_BROKER is not valid JSON (it is set by scripts/broker.mjs run): ${String(error)}`);
    }
    await provideAll(project, parsed);
    return async () => {};
  }
  const external = process.env.AMQP_URL;
  if (external) {
    process.stderr.write(`[broker] using external broker AMQP_URL=${external.replace(/:[^:@/]*@/, ':***@')}\n`);
    await provideAll(project, {
      amqpUrl: external,
      amqpsUrl: process.env.AMQPS_URL ?? null,
      nodeName: null,
      rabbitmqctlEnv: null,
      tlsFiles: null,
    });
    return async () => {};
  }

  // vitest runs the projects' global setups one after the other: the first one starts the nodes of
  // every broker project of the run at once, so their boots (and a first 4.3 root build) overlap.
  for (const other of project.vitest.projects) {
    const version = other.getProvidedContext().rabbitmqVersion;
    if (version && [other.config.globalSetup].flat().some((file) => file.endsWith('global-setup.ts'))) void testBroker(parseRabbitmqVersion(version)).catch(() => {});
  }
  try {
    const { broker, tlsFiles } = await testBroker(asked);
    await provideAll(project, {
      amqpUrl: broker.url,
      amqpsUrl: broker.tlsUrl ?? null,
      nodeName: broker.nodeName,
      rabbitmqctlEnv: broker.env,
      rabbitmqRoot: broker.root,
      server: broker.server,
      tlsFiles,
    }, asked);
    return async () => {
      await broker.stop();
      rmSync(tlsFiles.dir, { recursive: true, force: true });
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Cannot start the RabbitMQ ${asked} test broker, so the test run fails (integration tests are never skipped).\n` +
        `Fix the cause below, or point the tests at a running broker with AMQP_URL=amqp://...\n\n${reason}`,
      { cause: error },
    );
  }
}
