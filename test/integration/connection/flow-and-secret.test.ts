/**
 * connection.update-secret (RabbitMQ extension) and client-sent channel.flow against the real
 * broker. RabbitMQ implements only `active: true` for a client's channel.flow; `active: false`
 * is answered with 540 not-implemented, a hard error: warren reports it as the typed error.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NotImplementedError, connect, type Connection } from 'warren';
import { amqpUrl, uniqueName } from '../../helpers/broker.js';

const open: Connection[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close().catch(() => undefined)));
});
async function conn(): Promise<Connection> {
  const c = await connect(amqpUrl());
  open.push(c);
  return c;
}

describe('connection.update-secret', () => {
  it('is answered by update-secret-ok; the connection goes on working', async () => {
    const c = await conn();
    await c.updateSecret('a-rotated-secret', 'token refresh');
    expect(c.isOpen).toBe(true);
    const ch = await c.channel();
    const { queue } = await ch.queueDeclare(uniqueName('after-secret'), { exclusive: true });
    expect(queue).toMatch(/after-secret/);
  });
});

describe('channel.flow from the client', () => {
  it('active: true is confirmed by flow-ok', async () => {
    const ch = await (await conn()).channel();
    expect(await ch.flow(true)).toBe(true);
    expect(ch.isOpen).toBe(true);
  });

  it('active: false: RabbitMQ closes the connection with 540, reported as NotImplementedError', async () => {
    const c = await conn();
    const ch = await c.channel();
    const closed = new Promise<Error | undefined>((resolve) => c.once('close', resolve));
    const error = await ch.flow(false).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotImplementedError);
    expect(error).toMatchObject({ replyCode: 540, method: 'channel.flow' });
    expect(await closed).toBeInstanceOf(NotImplementedError);
  });
});
