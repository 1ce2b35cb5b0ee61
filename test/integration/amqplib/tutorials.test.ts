/**
 * RabbitMQ's six tutorials written for amqplib's channel API and callback API
 * (examples/tutorials-amqplib/), run on warren/amqplib against the broker: what each consumer
 * received, in full.
 */
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as cb from '../../../examples/tutorials-amqplib/callback-api.js';
import * as ch from '../../../examples/tutorials-amqplib/channel-api.js';
import { amqpUrl, uniqueName } from '../../helpers/broker.js';

const expected = {
  helloWorld: ['Hello World!'],
  publishSubscribe: ['0:info: Hello World!', '1:info: Hello World!'],
  routing: ['1:error:Run. Run. Or it will explode.', '3:error:Run. Run. Or it will explode.', '3:info:Hello World!'],
  topics: ['*.critical:kern.critical', 'kern.*:anonymous.info', 'kern.*:kern.critical'],
};

describe('the tutorials on warren/amqplib (channel API)', () => {
  it('1 hello world', async () => expect(await ch.helloWorld(amqpUrl(), uniqueName('t'))).toEqual(expected.helloWorld));
  it('2 work queues', async () => expect(await ch.workQueues(amqpUrl(), uniqueName('t'))).toEqual(['First.', 'Fourth....', 'Second..', 'Third...']));
  it('3 publish/subscribe', async () => expect(await ch.publishSubscribe(amqpUrl(), uniqueName('t'))).toEqual(expected.publishSubscribe));
  it('4 routing', async () => expect(await ch.routing(amqpUrl(), uniqueName('t'))).toEqual(expected.routing));
  it('5 topics', async () => expect(await ch.topics(amqpUrl(), uniqueName('t'))).toEqual(expected.topics));
  it('6 rpc', async () => expect(await ch.rpc(amqpUrl(), uniqueName('t'))).toBe(832040));
});

describe('the tutorials on warren/amqplib/callback_api', () => {
  const run = <T>(f: (url: string, suffix: string, done: (err: Error | null, r?: T) => void) => void) => promisify(f)(amqpUrl(), uniqueName('t'));
  it('1 hello world', async () => expect(await run(cb.helloWorld)).toEqual(expected.helloWorld));
  it('2 work queues', async () => expect(await run(cb.workQueues)).toEqual(['First.', 'Second..', 'Third...']));
  it('3 publish/subscribe', async () => expect(await run(cb.publishSubscribe)).toEqual(['0::info: Hello World!', '1::info: Hello World!']));
  it('4 routing', async () => expect(await run(cb.routing)).toEqual(['0:error:boom', '1:error:boom', '1:info:hi']));
  it('5 topics', async () => expect(await run(cb.topics)).toEqual(['0:kern.critical:a', '1:anonymous.info:b', '1:kern.critical:a']));
  it('6 rpc', async () => expect(await run(cb.rpc)).toBe(832040));
});
