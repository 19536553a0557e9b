/**
 * `POST /connect/shopify` and `/connect/douyin`: the platforms' own pushes with their own signature schemes —
 * Shopify's base64 HMAC-SHA256 of the raw body (X-Shopify-Hmac-Sha256), Douyin's hex SHA-1 of client secret + body
 * (X-Douyin-Signature, per developer.open-douyin.com's "消息来源验证") — on the platforms' documented payloads
 * (test/fixtures/platforms/).
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { makePlatformHandler, makeShopifyPartnerHandler } from '../../functions/webhook/platforms.ts';
import { localContext } from '../../local/lambda-context.ts';
import { staticWebhookSecrets } from '../../shared/adapters/webhook-secrets.ts';
import type { OutboundEntry } from '../../shared/app/ports.ts';
import { admit } from '../../shared/domain/admission.ts';
import { parseConfig } from '../../shared/domain/config.ts';
import { quietObservability } from './setup.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'platforms', name), 'utf8');
const SHOPIFY_SECRET = 'shpss_0123456789abcdef0123456789abcdef';
const DOUYIN_SECRET = 'douyin-client-secret-0123456789ab';
const NOW = Date.parse('2025-11-11T02:00:00Z');
const parsed = parseConfig({
  timezone: 'Asia/Shanghai',
  channels: [
    { id: 'own-store', name: 'Web store', kind: 'own_store', currency: 'USD', budget: { daily: '1000.00' } },
    { id: 'douyin', name: 'Douyin', kind: 'live_stream', currency: 'CNY', budget: { daily: '1000.00' } },
  ],
  sources: {
    shopify: [{ shop: 'amirtds.myshopify.com', channelId: 'own-store', storeId: 'web' }],
    douyin: [{ shopId: '123', channelId: 'douyin' }],
  },
});
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const config = parsed.config;
const published: OutboundEntry[] = [];
/** The bus, as the handlers see it: what they put is kept for the test to read. */
const deps = {
  config: { current: async () => config },
  bus: {
    putEvents: async (entries: readonly OutboundEntry[]) => {
      published.push(...entries);
      return [];
    },
  },
  clock: () => NOW,
  ...quietObservability(),
};
const handler = makePlatformHandler({ ...deps, secrets: staticWebhookSecrets({ shopify: [SHOPIFY_SECRET], douyin: [DOUYIN_SECRET] }) });
beforeEach(() => {
  published.length = 0;
});

const post = async (path: string, body: string, headers: Record<string, string>) => {
  const event = {
    version: '2.0',
    rawPath: path,
    headers,
    body,
    isBase64Encoded: false,
    requestContext: { http: { method: 'POST', path } },
  } as unknown as APIGatewayProxyEventV2;
  const result = await handler(event, localContext('webhook'));
  return { status: result.statusCode, body: JSON.parse(result.body as string) as Record<string, unknown> };
};
const shopifySignature = (body: string, secret = SHOPIFY_SECRET) => createHmac('sha256', secret).update(body).digest('base64');
const shopify = (body: string, topic = 'orders/create', signature = shopifySignature(body), domain = 'amirtds.myshopify.com') =>
  post('/connect/shopify', body, {
    'x-shopify-hmac-sha256': signature,
    'x-shopify-topic': topic,
    'x-shopify-shop-domain': domain,
    'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
  });
const douyinSignature = (body: string, secret = DOUYIN_SECRET) =>
  createHash('sha1')
    .update(secret + body)
    .digest('hex');
const douyin = (body: string, signature = douyinSignature(body)) => post('/connect/douyin', body, { 'x-douyin-signature': signature, 'msg-id': 'msg-1' });

describe('Shopify pushes', () => {
  it('verifies X-Shopify-Hmac-Sha256 and puts the order on the bus as Sale Recorded, arriving now', async () => {
    const body = fixture('shopify-orders-create.json');
    const answer = await shopify(body);
    expect(answer).toEqual({ status: 202, body: { accepted: 1 } });
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      source: 'shopify',
      detailType: 'Sale Recorded',
      timeMs: NOW,
      detail: { eventId: 'shopify-order-820982911946154508' },
    });
    const admitted = admit(
      JSON.stringify({ source: 'shopify', 'detail-type': 'Sale Recorded', time: '2020-03-27T17:05:00Z', detail: published[0]?.detail }),
      config,
    );
    expect(admitted.ok).toBe(true);
  });

  it('refuses a bad, foreign, stretched or missing signature with 401, and puts nothing on the bus', async () => {
    const body = fixture('shopify-orders-create.json');
    for (const signature of [shopifySignature(body, 'another-app-secret-000000000000'), `${shopifySignature(body)}AA`, shopifySignature(`${body} `), '']) {
      expect((await shopify(body, 'orders/create', signature)).status, signature).toBe(401);
    }
    expect(published).toEqual([]);
  });

  it('acknowledges a topic it does not map (200), refuses an unmapped shop with the reason (422)', async () => {
    const body = fixture('shopify-orders-create.json');
    expect(await shopify(body, 'products/update')).toEqual({ status: 200, body: { ignored: 'topic products/update is not mapped' } });
    const unmapped = await shopify(body, 'orders/create', shopifySignature(body), 'other.myshopify.com');
    expect(unmapped.status).toBe(422);
    expect(unmapped.body.message).toMatch(/other\.myshopify\.com is not mapped in sources\.shopify/);
    expect(published).toEqual([]);
  });
});

describe('Douyin pushes', () => {
  it("answers the documented verify_webhook with its challenge, signed by Douyin's scheme", async () => {
    const body = '{"event":"verify_webhook","client_key":"abc","content":{"challenge":12345}}';
    expect(await douyin(body)).toEqual({ status: 200, body: { challenge: 12345 } });
    expect((await douyin(body, douyinSignature(body, 'wrong-secret-000000000000000'))).status).toBe(401);
  });

  it('verifies X-Douyin-Signature and puts the documented pay_success push on the bus; a repeat is the same event', async () => {
    const body = fixture('douyin-life-trade-order-notify.json');
    expect(await douyin(body)).toEqual({ status: 202, body: { accepted: 1 } });
    expect(await douyin(body)).toEqual({ status: 202, body: { accepted: 1 } });
    expect(published.map((p) => (p.detail as { eventId: string }).eventId)).toEqual(['douyin-pay-123', 'douyin-pay-123']);
    expect(published[0]?.detail).toMatchObject({ lines: [{ unitPrice: '0.01' }], occurredAt: '2022-10-17T15:19:38+08:00' });
    for (const signature of [`${douyinSignature(body)}0`, douyinSignature(body).slice(0, 39), 'not-hex'])
      expect((await douyin(body, signature)).status, signature).toBe(401);
  });
});

describe('Shopify through an EventBridge partner event source', () => {
  const partner = makeShopifyPartnerHandler(deps);
  // As Lambda hands it over: the payload already parsed by JSON.parse, so 820982911946154508 has lost digits.
  const delivered = (topic: string, domain = 'amirtds.myshopify.com') => ({
    version: '0',
    id: 'ba7d22a3-1b4a-388c-8266-41de410074b7',
    'detail-type': 'shopifyWebhook',
    source: 'aws.partner/shopify.com/427319918593/sentinel',
    time: '2020-03-27T17:01:25Z',
    detail: {
      metadata: { 'X-Shopify-Topic': topic, 'X-Shopify-Shop-Domain': domain, 'X-Shopify-Webhook-Id': 'b54557e4' },
      payload: JSON.parse(fixture('shopify-orders-create.json')) as unknown,
    },
  });

  it('translates orders/create with the exact ids (from admin_graphql_api_id) and puts it on the bus', async () => {
    expect(Number.isSafeInteger((delivered('orders/create').detail.payload as { id: number }).id)).toBe(false);
    expect(await partner(delivered('orders/create'))).toEqual({ accepted: 1 });
    expect(published[0]?.detail).toMatchObject({ eventId: 'shopify-order-820982911946154508', customerId: '115310627314723954' });
    expect(published[0]?.timeMs).toBe(Date.parse('2020-03-27T17:01:25Z'));
  });

  it('skips other topics and reports an unmapped shop without retrying it', async () => {
    expect(await partner(delivered('products/update'))).toEqual({ accepted: 0, ignored: 'topic products/update is not mapped' });
    expect(await partner(delivered('orders/create', 'other.myshopify.com'))).toEqual({
      accepted: 0,
      refused: ['shop other.myshopify.com is not mapped in sources.shopify'],
    });
    expect(published).toEqual([]);
  });
});
