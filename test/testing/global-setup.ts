/**
 * vitest globalSetup of the `warren-testing` project: the differential proof of warren/testing.
 * Instead of a RabbitMQ node it starts the in-process test broker (in vitest's main process,
 * listening on 127.0.0.1) and provides the same context test/helpers/global-setup.ts provides,
 * so warren's integration tests run unchanged against it, with the same assertions. What the
 * helpers do to RabbitMQ through erl_call (list and close connections, alarms, users, vhosts)
 * they do here through control.ts; rabbitmqctl itself, raw Erlang and TLS are not available:
 * those tests are excluded by name in test/testing/differential.ts, each with its reason.
 */
import type { TestProject } from 'vitest/node';
import { startTestBroker } from '../../runtime/testing/index.js';
import { serveControl } from './control.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The broker answers as RabbitMQ 3.10 does where versions differ (unknown exchange type 503,
  // global qos per channel), and the tests' byBrokerVersion tables read the same series.
  const running = await startTestBroker({ emulate: '3.10' });
  project.provide('rabbitmqVersion', '3.10');
  project.provide('amqpUrl', `${running.url}/`);
  project.provide('amqpsUrl', null);
  project.provide('brokerNodeName', null);
  project.provide('rabbitmqctlEnv', null);
  project.provide('brokerRoot', null);
  project.provide('brokerServer', { product: 'warren/testing', version: '3.10.0', platform: 'warren/testing (in-process)' });
  project.provide('tlsFiles', null);
  const control = await serveControl(running);
  project.provide('testBrokerControl', control.url);
  process.stderr.write(`[broker] project ${project.name}: warren/testing (emulating RabbitMQ 3.10) at ${running.url}\n`);
  return async () => {
    await control.close();
    await running.close();
  };
}
