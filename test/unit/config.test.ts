import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/domain/config.ts';
import { CONFIG_DOCUMENT } from '../fixtures.ts';

const clone = () => structuredClone(CONFIG_DOCUMENT) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('parseConfig', () => {
  it('accepts the specification example and fills in defaults', () => {
    const result = parseConfig(CONFIG_DOCUMENT);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.latenessDays).toBe(7);
    expect(result.config.channels[0]?.budget).toEqual({ daily: 2000000n, monthly: 60000000n });
    expect(result.config.channels[0]?.rules.minSpend).toBe(100000n);
    expect(result.config.channels[2]?.budget.daily).toBe(500000n); // JPY has no minor unit
    expect(result.config.promotions[0]?.fromMs).toBe(Date.parse('2025-11-10T12:00:00Z'));
  });

  it('keeps events 400 days and the intake logs 90 by default, and refuses a retention inside the lateness window', () => {
    const defaults = parseConfig(CONFIG_DOCUMENT);
    expect(defaults.ok && defaults.config.retention).toEqual({ eventsDays: 400, logsDays: 90 });
    const tooShort = parseConfig({ ...clone(), latenessDays: 10, reportRestatementDays: 5, retention: { eventsDays: 10, logsDays: 1 } });
    expect(tooShort.ok ? [] : tooShort.problems).toEqual([{ path: 'retention.eventsDays', reason: expect.stringMatching(/exceed latenessDays \(10\)/) }]);
  });

  it('restates reports 35 days back by default, and keeps a report in force longer than its restatements', () => {
    const defaults = parseConfig(CONFIG_DOCUMENT);
    expect(defaults.ok && defaults.config.reportRestatementDays).toBe(35);
    const tooShort = parseConfig({ ...clone(), reportRestatementDays: 60, retention: { eventsDays: 61, logsDays: 1 } });
    expect(tooShort.ok ? [] : tooShort.problems).toEqual([
      { path: 'retention.eventsDays', reason: expect.stringMatching(/reportRestatementDays \+ 1 \(61\)/) },
    ]);
    expect(parseConfig({ ...clone(), reportRestatementDays: 60, retention: { eventsDays: 62, logsDays: 1 } }).ok).toBe(true);
    expect(parseConfig({ ...clone(), reportRestatementDays: 0 }).ok).toBe(false);
    // A short retention that never asked for restatements is not refused: the default window shrinks to fit.
    const short = parseConfig({ ...clone(), retention: { eventsDays: 30, logsDays: 1 } });
    expect(short.ok && short.config.reportRestatementDays).toBe(28);
  });

  it('accepts a stricter chance of loss for proposals (reallocation.lossRiskPct, default 5), never a looser one', () => {
    const defaults = parseConfig(CONFIG_DOCUMENT);
    expect(defaults.ok && defaults.config.reallocation.lossRiskPct).toBe(5);
    const strict = parseConfig({ ...clone(), reallocation: { lossRiskPct: 1 } });
    expect(strict.ok && strict.config.reallocation.lossRiskPct).toBe(1);
    for (const lossRiskPct of [0, 10]) {
      const refused = parseConfig({ ...clone(), reallocation: { lossRiskPct } });
      expect(refused.ok ? [] : refused.problems.map((p) => p.path)).toEqual(['reallocation.lossRiskPct']);
    }
  });

  it('validates the connectors’ sources: known channels, real timezones, each shop or account mapped once', () => {
    const parsed = parseConfig({
      ...clone(),
      sources: {
        shopify: [
          { shop: 'A.myshopify.com', channelId: 'tmall' },
          { shop: 'a.myshopify.com', channelId: 'douyin-live' },
        ],
        meta: [{ accountId: 'act_1', channelId: 'nowhere' }],
        googleAds: [{ customerId: '123-456-7890', channelId: 'tmall', timezone: 'Mars/Olympus' }],
      },
    });
    expect(parsed.ok ? [] : parsed.problems.map((p) => p.path)).toEqual(['sources.shopify[1]', 'sources.meta[0].channelId', 'sources.googleAds[0].timezone']);
    const ok = parseConfig({ ...clone(), sources: { meta: [{ accountId: 'act_1', channelId: 'tmall' }] } });
    expect(ok.ok && ok.config.sources.meta).toEqual([{ account: '1', channelId: 'tmall', timezone: 'Asia/Shanghai' }]);
  });

  it('lists every problem in one pass: what the schema refuses and what the rest of the document gets wrong', () => {
    const parsed = parseConfig({
      timezone: 'Asia/Shanghai',
      channels: [
        { id: 'tmall', name: 'T', kind: 'marketplace', currency: 'CNY', budget: { daily: '100.005' } },
        { id: 'bad', name: 'B', kind: 'spaceship', currency: 'CNY', budget: { daily: '10.00' } },
        { id: 'jd', name: 'J', kind: 'marketplace', currency: 'JPY', budget: { daily: '10.5' } },
      ],
      prices: [{ sku: 'A', guidePrice: '1.00', maxDiscountPct: 10, channels: { nowhere: { maxDiscountPct: 5 }, bad: { maxDiscountPct: 5 } } }],
      promotions: [{ id: 'p', channelIds: ['tmall'], from: 'x', to: '2025-01-01T00:00:00Z', maxDiscountPct: 5 }],
    });
    // Before, only the two schema problems were listed; the other three came one fix later. A reference to the
    // channel refused by the schema ("bad") is not reported again as unknown; indexes are the document's own.
    expect(parsed.ok ? [] : parsed.problems.map((p) => `${p.path}: ${p.reason.slice(0, 40)}`)).toEqual([
      'channels[1].kind: Invalid option: expected one of "marketp',
      'promotions[0].from: must be an ISO 8601 timestamp with an of',
      'channels[0].budget.daily: has 3 decimal digits; CNY allows at most',
      'channels[2].budget.daily: has 1 decimal digits; JPY allows at most',
      'prices[0].channels.nowhere: unknown channel "nowhere"',
    ]);
  });

  it('accepts a minimal document', () => {
    expect(parseConfig({ timezone: 'UTC', channels: [{ id: 'a', name: 'A', kind: 'other', currency: 'USD', budget: { daily: 10 } }] }).ok).toBe(true);
  });

  it('lists every problem at once, with paths, and applies nothing', () => {
    const doc = clone();
    doc.timezone = 'Mars/Olympus';
    doc.channels[0].kind = 'shop';
    doc.channels[1].currency = 'XYZ';
    doc.channels[2].budget.daily = '100.5';
    delete doc.channels[1].name;
    doc.extra = true;
    const result = parseConfig(doc);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const paths = result.problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['timezone', 'channels[0].kind', 'channels[1].currency', 'channels[1].name', '']));
    expect(result.problems.find((p) => p.path === 'timezone')?.reason).toMatch(/IANA/);
  });

  it('checks amounts against each channel currency and cross-references', () => {
    const doc = clone();
    doc.channels[2].budget.daily = '100.5'; // JPY
    doc.channels.push({ ...doc.channels[1] }); // duplicate id
    doc.promotions[0].channelIds.push('kuaishou');
    doc.promotions[0].to = doc.promotions[0].from;
    doc.channels[0].budget.monthly = '100.00'; // smaller than daily
    const result = parseConfig(doc);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual(
      expect.arrayContaining([
        { path: 'channels[2].budget.daily', reason: 'has 1 decimal digits; JPY allows at most 0' },
        { path: 'channels[3].id', reason: 'duplicate channel id "douyin-live"' },
        { path: 'promotions[0].channelIds[1]', reason: 'unknown channel "kuaishou"' },
        { path: 'promotions[0].to', reason: 'must be after from' },
        { path: 'channels[0].budget.monthly', reason: 'is smaller than the daily budget' },
      ]),
    );
  });

  it('needs prices to be expressible in at least one channel currency', () => {
    const doc = clone();
    doc.prices[0].guidePrice = '199.001';
    const result = parseConfig(doc);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toEqual([{ path: 'prices[0].guidePrice', reason: 'has 3 decimal digits; CNY allows at most 2' }]);
  });

  it('reads silences and refuses bad ones', () => {
    const doc = clone();
    doc.silences = [{ rule: 'roi_drop', channelId: 'tmall', from: '2025-11-08T00:00:00+08:00', to: '2025-11-10T00:00:00+08:00', reason: 'host on leave' }];
    const ok = parseConfig(doc);
    expect(ok.ok && ok.config.silences).toEqual([
      { rule: 'roi_drop', channelId: 'tmall', fromMs: Date.parse('2025-11-07T16:00:00Z'), toMs: Date.parse('2025-11-09T16:00:00Z') },
    ]);
    doc.silences = [
      { rule: 'roi_drop', channelId: 'kuaishou', from: '2025-11-08T00:00:00+08:00', to: '2025-11-07T00:00:00+08:00' },
      { rule: 'bad_rule', channelId: 'tmall', from: 'x', to: 'y' },
    ];
    const bad = parseConfig(doc);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems.map((p) => p.path)).toEqual(expect.arrayContaining(['silences[1].rule', 'silences[1].from', 'silences[1].to']));
    doc.silences = [{ rule: 'roi_drop', channelId: 'kuaishou', from: '2025-11-08T00:00:00+08:00', to: '2025-11-07T00:00:00+08:00' }];
    const cross = parseConfig(doc);
    if (!cross.ok)
      expect(cross.problems).toEqual([
        { path: 'silences[0].channelId', reason: 'unknown channel "kuaishou"' },
        { path: 'silences[0].to', reason: 'must be after from' },
      ]);
    expect(cross.ok).toBe(false);
  });

  it('refuses what is not a document', () => {
    for (const doc of [null, [], 'config', 42, {}]) expect(parseConfig(doc).ok).toBe(false);
  });
});
