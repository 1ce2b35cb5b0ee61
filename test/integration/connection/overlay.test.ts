/**
 * A registry generated from the spec, RabbitMQ's overlay and a test overlay plugs into
 * connect({ registry }): ordinary traffic against the real broker works through it. (The broker
 * does not know the overlay's own methods; the unit test with the scripted peer proves those
 * travel through the core.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProtocolRegistry } from 'warren/codec';
import { connect } from 'warren';
import { amqpUrl, uniqueName } from '../../helpers/broker.js';
import { overlayRegistry } from '../../unit/protocol/overlay-registry.js';

let registry: ProtocolRegistry;
let cleanup = () => {};
beforeAll(async () => {
  ({ registry, cleanup } = await overlayRegistry());
}, 60_000);
afterAll(() => cleanup());

describe('connect({ registry }) with an overlay registry', () => {
  it('handshake, declare, confirmed publish, get and close work', async () => {
    expect(registry.byKind('probe.ask')).toBeDefined();
    const conn = await connect(amqpUrl(), { registry });
    try {
      expect(conn.core.registry).toBe(registry);
      const ch = await conn.channel();
      const q = uniqueName('overlay');
      await ch.queueDeclare(q, { exclusive: true });
      await ch.confirmSelect();
      await ch.sendToQueue(q, 'through the overlay', { messageId: 'm1', priority: 0 });
      const got = await ch.get(q, { noAck: true });
      expect(got?.properties).toMatchObject({ messageId: 'm1', priority: 0 });
      expect(Buffer.from(got!.body).toString()).toBe('through the overlay');
      expect(await ch.get(q)).toBeNull();
    } finally {
      await conn.close();
    }
  });
});
