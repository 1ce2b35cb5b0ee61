/**
 * Runs every example in examples/ against the test broker (each exports `main(url)`) and checks
 * what it returns: the examples are documentation, and documentation that does not run is wrong.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { amqpUrl, uniqueName } from './helpers/broker.js';
import { main as helloWorld } from '../examples/hello-world.js';
import { main as workQueues } from '../examples/work-queues.js';
import { main as publishSubscribe } from '../examples/publish-subscribe.js';
import { main as routing } from '../examples/routing.js';
import { main as topics } from '../examples/topics.js';
import { main as rpc } from '../examples/rpc.js';
import { main as publisherConfirms } from '../examples/publisher-confirms.js';
import { main as kombuStyle } from '../examples/kombu-style.js';
import { main as recovery } from '../examples/recovery.js';
import { closeConnection } from './helpers/broker.js';

describe('examples (the RabbitMQ tutorials, written with warren)', () => {
  beforeAll(() => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined); // the examples narrate
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });

  it('1 hello world', async () => {
    expect(await helloWorld(amqpUrl(), uniqueName('hello'))).toBe('Hello World!');
  });

  it('2 work queues: every task done once, shared by both workers', async () => {
    const done = await workQueues(amqpUrl(), uniqueName('task_queue'));
    const all = [...done.w1!, ...done.w2!];
    expect(all).toHaveLength(8);
    expect(new Set(all).size).toBe(8);
    expect(done.w1!.length).toBeGreaterThan(0);
    expect(done.w2!.length).toBeGreaterThan(0);
  });

  it('3 publish/subscribe: every subscriber gets every log', async () => {
    const subscribers = await publishSubscribe(amqpUrl(), uniqueName('logs'));
    const expected = ['info: Hello World!', 'warning: disk 80% full', 'error: disk full'];
    expect(subscribers).toEqual([expected, expected]);
  });

  it('4 routing: by severity', async () => {
    const result = await routing(amqpUrl(), uniqueName('direct_logs'));
    expect(result.errorsOnly).toEqual(['error: disk failed']);
    expect(result.everything).toEqual(['info: started', 'warning: slow disk', 'error: disk failed']);
  });

  it('5 topics: * and # patterns', async () => {
    const received = await topics(amqpUrl(), uniqueName('topic_logs'));
    expect(received['#']).toEqual(['kern.critical', 'kern.info', 'app.critical', 'app.info', 'kern.disk.critical']);
    expect(received['kern.*']).toEqual(['kern.critical', 'kern.info']);
    expect(received['*.critical']).toEqual(['kern.critical', 'app.critical']);
    expect(received['kern.* + *.critical']).toEqual(['kern.critical', 'kern.info', 'app.critical']); // kern.critical once
  });

  it('6 RPC: Fibonacci over direct reply-to', async () => {
    expect(await rpc(amqpUrl(), uniqueName('rpc_queue'))).toEqual([0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377]);
  });

  it('7 publisher confirms: three strategies, every message confirmed', async () => {
    const result = await publisherConfirms(amqpUrl(), uniqueName('publisher_confirms'));
    for (const r of Object.values(result)) expect(r.confirmed).toBe(2_000);
  });

  it('recovery: the connection is closed by the broker mid-way; every message arrives, nothing hand-written', async () => {
    const result = await recovery(amqpUrl(), { queue: uniqueName('recovery_demo'), disrupt: async (name) => void (await closeConnection(name, 'examples test')) });
    expect(result).toMatchObject({ received: 200, recoveries: 1 });
  });

  it('kombu style: entities, a producer with defaults, one consumer over two queues, polling with a timeout', async () => {
    const result = await kombuStyle(amqpUrl(), uniqueName('media'));
    expect(result.verified).toBe(true);
    expect(result.processed).toEqual([
      'images: /tmp/lolcat2.png (5012 bytes)',
      'video: /tmp/lolcat1.avi (1301013 bytes)',
      'video: /tmp/lolcat3.avi (77 bytes)',
    ]);
    expect(result.polled).toEqual(['/tmp/late.avi']);
  });
});
