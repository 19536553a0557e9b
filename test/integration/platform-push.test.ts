/**
 * `npm start` takes the platforms' own pushes: Shopify's and Douyin's documented payloads, signed with their schemes,
 * are spooled, ingested and aggregated like any producer's events; a repeated push counts once.
 */
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalServer } from '../../local/server.ts';
import { rollUpDays } from '../../shared/domain/aggregation.ts';

const root = mkdtempSync(join(tmpdir(), 'sentinel-platforms-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const fixture = (name: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'platforms', name), 'utf8');

describe('platform pushes to the local server', () => {
  it('verifies, converts, ingests and aggregates a Shopify order and a Douyin payment (twice: counted once)', async () => {
    const server = await LocalServer.start({
      dataDir: join(root, 'data'),
      config: {
        timezone: 'Asia/Shanghai',
        channels: [
          { id: 'own-store', name: 'Web store', kind: 'own_store', currency: 'USD', budget: { daily: '1000.00' } },
          { id: 'douyin', name: 'Douyin', kind: 'live_stream', currency: 'CNY', budget: { daily: '1000.00' } },
        ],
        sources: { shopify: [{ shop: 'amirtds.myshopify.com', channelId: 'own-store' }], douyin: [{ shopId: '123', channelId: 'douyin' }] },
      },
      port: 0,
      clock: 'wall',
      log: () => undefined,
    });
    try {
      const { shopify: shopifySecret, douyin: douyinSecret } = server.credentials.platforms;
      // The documented payloads, re-dated to now (the wall clock refuses a 2020 order as too late).
      const nowSeconds = Math.floor(Date.now() / 1000) - 60;
      const order = fixture('shopify-orders-create.json').replaceAll('2020-03-27T13:01:19-04:00', new Date(nowSeconds * 1000).toISOString());
      const push = await fetch(`${server.url}/connect/shopify`, {
        method: 'POST',
        headers: {
          'x-shopify-hmac-sha256': createHmac('sha256', shopifySecret).update(order).digest('base64'),
          'x-shopify-topic': 'orders/create',
          'x-shopify-shop-domain': 'amirtds.myshopify.com',
        },
        body: order,
      });
      expect(push.status).toBe(202);
      const payment = fixture('douyin-life-trade-order-notify.json').replaceAll('1665991178', String(nowSeconds));
      for (let i = 0; i < 2; i++) {
        const answer = await fetch(`${server.url}/connect/douyin`, {
          method: 'POST',
          headers: {
            'x-douyin-signature': createHash('sha1')
              .update(douyinSecret + payment)
              .digest('hex'),
            'msg-id': 'm-1',
          },
          body: payment,
        });
        expect(answer.status).toBe(202);
      }
      const unsigned = await fetch(`${server.url}/connect/douyin`, { method: 'POST', body: payment });
      expect(unsigned.status).toBe(401);
      await server.idle();
      const days = (channel: string) => async () => [...rollUpDays(await server.pipeline.aggregates.hours(channel)).values()];
      const store = await days('own-store')();
      expect(store.reduce((n, t) => n + t.orders, 0n)).toBe(1n);
      const live = await days('douyin')();
      expect(live.map((t) => [t.orders, t.gmv])).toEqual([[1n, 1n]]); // one order of 1 fen, the repeat a duplicate
      expect((await server.pipeline.intake.duplicates()).length).toBe(1);
    } finally {
      await server.stop();
    }
  }, 120_000);
});
