/**
 * The platform connectors on the platforms' own payload shapes (test/fixtures/platforms/):
 * - shopify-orders-create.json: the body Shopify sends for "Send test notification" on orders/create (REST Admin
 *   API JSON, as recorded in a public integration's test suite; ids beyond 2^53, a discount larger than its line);
 * - shopify-refunds-create.json: Shopify's documented refunds/create sample ids (refund 890088186047892319 of order
 *   820982911946154508), one successful and one failed refund transaction;
 * - meta-insights-page.json: a Marketing API Insights page at level=campaign, time_increment=1 (strings for spend and
 *   counts, actions / action_values by action_type, cursor paging), per the Insights API reference;
 * - google-ads-search-stream.json: a googleAds:searchStream REST response (int64 as strings, doubles as numbers);
 * - douyin-life-trade-order-notify.json: the request body example of Douyin's local-life "WebHooks接入" page
 *   (developer.open-douyin.com/docs/resource/zh-CN/local-life/connect/webhooks), verbatim: `content` a JSON string,
 *   pay_amount 1 fen, Unix-second times.
 * Every converted event must be one that admission accepts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convert, parseExact } from '../../connectors/index.ts';
import { businessDayOf } from '../../connectors/common.ts';
import { microsToMajor, roundCount, roundDecimal } from '../../connectors/exact.ts';
import { admit } from '../../shared/domain/admission.ts';
import { parseConfig } from '../../shared/domain/config.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'platforms', name), 'utf8');

const DOCUMENT = {
  timezone: 'Asia/Shanghai',
  channels: [
    { id: 'own-store', name: 'Web store', kind: 'own_store', currency: 'USD', budget: { daily: '1000.00' } },
    { id: 'meta-ads', name: 'Meta ads', kind: 'social_content', currency: 'CNY', budget: { daily: '10000.00' } },
    { id: 'search', name: 'Google search', kind: 'search_ads', currency: 'CNY', budget: { daily: '10000.00' } },
    { id: 'douyin', name: 'Douyin', kind: 'live_stream', currency: 'CNY', budget: { daily: '10000.00' } },
  ],
  sources: {
    shopify: [{ shop: 'amirtds.myshopify.com', channelId: 'own-store', storeId: 'web', skus: { 'course-v1:amirtadrisi+demo101+2020': 'DEMO-101' } }],
    douyin: [{ shopId: '123', channelId: 'douyin', storeId: 'live-room', skus: { '7001': 'SERUM-30ML' } }],
    meta: [{ accountId: 'act_1234567890', channelId: 'meta-ads' }],
    googleAds: [{ customerId: '123-456-7890', channelId: 'search', timezone: 'America/Los_Angeles' }],
  },
};
const parsed = parseConfig(DOCUMENT);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const config = parsed.config;

/** Every event admitted as it would arrive (its own `time`). */
function admitted(events: readonly { time: string }[]) {
  return events.map((e) => {
    const a = admit(JSON.stringify(e), config);
    if (!a.ok) throw new Error(`${a.reason}: ${a.message}`);
    return a.event;
  });
}

describe('exact reading', () => {
  it('keeps ids beyond 2^53 and decimal numbers as their text', () => {
    expect(JSON.parse('{"id":820982911946154508}').id).toBe(820982911946154500);
    expect(parseExact('{"id":820982911946154508,"v":30500.456,"n":[1e3]}')).toEqual({ id: '820982911946154508', v: '30500.456', n: ['1e3'] });
  });
  it('rounds half-up in decimal, never through floating point', () => {
    // 1.005 in binary floating point is 1.00499999…: Math.round(1.005 * 100) / 100 gives 1.
    expect(Math.round(1.005 * 100) / 100).toBe(1);
    expect(roundDecimal('1.005', 2)).toBe('1.01');
    expect(roundDecimal('30500.456', 2)).toBe('30500.46');
    expect(roundDecimal('0.5', 0)).toBe('1');
    expect(roundDecimal('1e3', 2)).toBeUndefined();
    expect(roundCount('60.5')).toBe(61);
    expect(microsToMajor('1234567', 'CNY')).toBe('1.23');
    expect(microsToMajor('1235000', 'CNY')).toBe('1.24');
    expect(microsToMajor('5339505000', 'CNY')).toBe('5339.51');
    expect(microsToMajor('500000', 'JPY')).toBe('1');
    expect(microsToMajor('12', 'CNY')).toBe('0.00');
  });
  it("maps an ad account's day to the business day holding its noon", () => {
    expect(businessDayOf('2025-11-10', 'Asia/Shanghai', 'Asia/Shanghai')).toBe('2025-11-10');
    // Noon in Los Angeles (PST, UTC−8) is 04:00 the next day in Shanghai.
    expect(businessDayOf('2025-11-10', 'America/Los_Angeles', 'Asia/Shanghai')).toBe('2025-11-11');
    // Noon in Berlin (CET, UTC+1) is 19:00 the same day in Shanghai.
    expect(businessDayOf('2025-11-10', 'Europe/Berlin', 'Asia/Shanghai')).toBe('2025-11-10');
  });
});

describe('Shopify', () => {
  it('orders/create → Sale Recorded: exact ids, mapped SKU, the price actually paid, ship-to region', () => {
    const { events, refused } = convert('shopify', fixture('shopify-orders-create.json'), config, { asOf: '2020-03-27T17:05:00Z' });
    expect(refused).toEqual([]);
    const [sale] = admitted(events);
    expect(sale).toMatchObject({
      type: 'Sale Recorded',
      eventId: 'shopify-order-820982911946154508',
      orderId: '820982911946154508',
      channelId: 'own-store',
      storeId: 'web',
      region: 'US-KY',
      customerId: '115310627314723954',
      occurredAtMs: Date.parse('2020-03-27T17:01:19Z'),
    });
    // Two lines at 0.00; the second's 5.00 discount exceeds it and makes it free, never negative.
    expect(sale?.type === 'Sale Recorded' && sale.lines).toEqual([
      { sku: 'DEMO-101', quantity: 1, unitPrice: 0n },
      { sku: 'DEMO-101', quantity: 1, unitPrice: 0n },
    ]);
  });

  it('spreads a discount that does not divide evenly over two unit prices, keeping the GMV exact', () => {
    const order = {
      id: 1,
      created_at: '2025-11-11T00:10:00+08:00',
      currency: 'USD',
      line_items: [{ id: 7, sku: 'X', quantity: 3, price: '10.00', discount_allocations: [{ amount: '0.01' }] }],
    };
    const [sale] = admitted(convert('shopify', JSON.stringify(order), config, { asOf: '2025-11-11T00:10:00+08:00' }).events);
    expect(sale?.type === 'Sale Recorded' && sale.lines).toEqual([
      { sku: 'X', quantity: 1, unitPrice: 999n },
      { sku: 'X', quantity: 2, unitPrice: 1000n },
    ]);
  });

  it('refunds/create → Refund Recorded: the successful refund transactions only', () => {
    const { events, refused } = convert('shopify', fixture('shopify-refunds-create.json'), config, { asOf: '2022-01-01T00:05:00Z' });
    expect(refused).toEqual([]);
    expect(admitted(events)).toMatchObject([
      { type: 'Refund Recorded', eventId: 'shopify-refund-890088186047892319', orderId: '820982911946154508', amount: 19900n, currency: 'USD' },
    ]);
  });

  it('refuses, with a reason, what it cannot map', () => {
    const other = fixture('shopify-orders-create.json').replace('"currency":"USD"', '"currency":"EUR"');
    expect(convert('shopify', other, config, { asOf: '2025-01-01T00:00:00Z' }).refused).toEqual([
      { item: 'payload 1: shopify order 820982911946154508', reason: 'the shop sells in EUR; channel own-store reports in USD' },
    ]);
    expect(convert('shopify', '{"hello":1}\nnot json\n', config, { asOf: '2025-01-01T00:00:00Z' }).refused.map((r) => r.item)).toEqual([
      'line 2',
      'line 1: shopify ?',
    ]);
    expect(convert('shopify', fixture('shopify-orders-create.json'), config, { asOf: '2025-01-01T00:00:00Z', account: 'other.myshopify.com' }).refused).toEqual(
      [{ item: 'payload 1', reason: 'shop other.myshopify.com is not mapped in sources.shopify' }],
    );
  });
});

describe('Meta Insights', () => {
  const asOf = '2025-11-11T09:00:00+08:00';
  it('rows → Ad Spend Reported: exact spend, string counts as integers, purchases rounded half-up', () => {
    const { events, refused } = convert('meta', fixture('meta-insights-page.json'), config, { asOf });
    expect(refused).toEqual([]);
    const reports = admitted(events);
    expect(reports).toMatchObject([
      {
        type: 'Ad Spend Reported',
        channelId: 'meta-ads',
        campaignId: '23851234567890123',
        date: '2025-11-10',
        spend: 533950n,
        impressions: 120000,
        clicks: 3100,
        reportedConversions: 62,
        reportedRevenue: 3050046n,
        occurredAtMs: Date.parse(asOf),
      },
      { campaignId: '23851234567890777', spend: 81207n, impressions: 40210, clicks: 955 },
    ]);
    expect(events[0]?.detail.eventId).toBe(`meta-1234567890-23851234567890123-2025-11-10-${Date.parse(asOf)}`);
  });

  it('refuses multi-day rows, unmapped accounts and other currencies', () => {
    const page = JSON.parse(fixture('meta-insights-page.json')) as { data: Record<string, unknown>[] };
    const rows = [
      { ...page.data[0], date_stop: '2025-11-16' },
      { ...page.data[0], account_id: '999' },
      { ...page.data[0], account_currency: 'USD' },
    ];
    expect(convert('meta', JSON.stringify({ data: rows }), config, { asOf }).refused.map((r) => r.reason)).toEqual([
      'covers 2025-11-10 to 2025-11-16: daily rows are needed (time_increment=1)',
      'ad account 999 is not mapped in sources.meta',
      'the account reports in USD; channel meta-ads reports in CNY',
    ]);
  });
});

describe('Google Ads', () => {
  it('searchStream rows → Ad Spend Reported: micros to fen half-up, fractional conversions rounded, account day to business day', () => {
    const asOf = '2025-11-12T10:00:00+08:00';
    const { events, refused } = convert('google-ads', fixture('google-ads-search-stream.json'), config, { asOf });
    expect(refused).toEqual([]);
    expect(admitted(events)).toMatchObject([
      // 2025-11-10 in Los Angeles is reported under 2025-11-11 in Shanghai (where its noon falls).
      { campaignId: '9876543210', date: '2025-11-11', spend: 533951n, impressions: 120000, clicks: 3100, reportedConversions: 61, reportedRevenue: 3050046n },
      { campaignId: '9876543211', date: '2025-11-11', spend: 123n, reportedConversions: 0, reportedRevenue: 0n },
    ]);
  });
});

describe('Douyin', () => {
  const push = (content: Record<string, unknown>, event = 'life_trade_order_notify') =>
    JSON.stringify({ event, client_key: 'axxxxxxxxxxxxx', content: JSON.stringify(content), log_id: 'log-1' });

  it("the documented pay_success push → Sale Recorded: fen to yuan exactly, Unix seconds with the business timezone's offset", () => {
    const { events, refused } = convert('douyin', fixture('douyin-life-trade-order-notify.json'), config, { asOf: '2025-11-12T10:00:00+08:00' });
    expect(refused).toEqual([]);
    expect(events).toEqual([
      {
        source: 'douyin',
        'detail-type': 'Sale Recorded',
        time: '2022-10-17T07:19:38.000Z',
        detail: {
          eventId: 'douyin-pay-123',
          channelId: 'douyin',
          storeId: 'live-room',
          orderId: 'douyin-123',
          currency: 'CNY',
          lines: [{ sku: 'douyin-order', quantity: 1, unitPrice: '0.01' }],
          occurredAt: '2022-10-17T15:19:38+08:00',
        },
      },
    ]);
    expect(admitted(events)).toMatchObject([{ eventId: 'douyin-pay-123', lines: [{ unitPrice: 1n }] }]);
  });

  it('refund_success → Refund Recorded; a mapped SKU; a repeated push is the same event; other actions and events are not mapped', () => {
    const refund = push({
      action: 'refund_success',
      msg_time: 1762848000,
      order: { order_id: '88', account_id: '123', refund_amount: 1999900, refund_time: 1762847990 },
    });
    const sale = push({
      action: 'pay_success',
      msg_time: 1762840000,
      order: { order_id: '88', account_id: '123', pay_amount: 12345, sku_id: '7001', pay_time: 1762839999 },
    });
    const { events, refused } = convert(
      'douyin',
      [sale, sale, refund, push({ action: 'verify_success', order: {} }), push({}, 'verify_webhook')].join('\n'),
      config,
      {
        asOf: '2025-11-11T16:00:00+08:00',
      },
    );
    expect(events.map((e) => e.detail)).toMatchObject([
      { eventId: 'douyin-pay-88', lines: [{ sku: 'SERUM-30ML', unitPrice: '123.45' }], occurredAt: '2025-11-11T13:46:39+08:00' },
      { eventId: 'douyin-pay-88' },
      { eventId: 'douyin-refund-88', amount: '19999.00', orderId: 'douyin-88', occurredAt: '2025-11-11T15:59:50+08:00' },
    ]);
    expect(refused.map((r) => r.reason)).toEqual(['action verify_success is not mapped', 'event verify_webhook is not mapped']);
    expect(admitted(events)).toHaveLength(3);
  });

  it('refuses unmapped accounts and amounts that are not integer fen', () => {
    const { events, refused } = convert(
      'douyin',
      [
        push({ action: 'pay_success', order: { order_id: '1', account_id: '999', pay_amount: 100, pay_time: 1762839999 } }),
        push({ action: 'pay_success', order: { order_id: '2', account_id: '123', pay_amount: 1.5, pay_time: 1762839999 } }),
      ].join('\n'),
      config,
      { asOf: '2025-11-11T16:00:00+08:00' },
    );
    expect(events).toEqual([]);
    expect(refused.map((r) => r.reason)).toEqual([
      'account 999 is not mapped in sources.douyin',
      'a payment needs pay_amount (integer fen) and pay_time or create_time (Unix seconds)',
    ]);
  });
});
