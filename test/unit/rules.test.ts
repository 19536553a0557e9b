import { describe, expect, it } from 'vitest';
import { zeroTotals, type Totals } from '../../shared/domain/aggregation.ts';
import type { ChannelConfig } from '../../shared/domain/config.ts';
import { SALE, type SaleRecorded } from '../../events/normalised.ts';
import { budgetActualRule, budgetForecastRule, mismatchRule, priceFloor, priceRule, regionRule, roiRule, staleRule } from '../../shared/domain/alerts/rules.ts';
import { config } from '../fixtures.ts';

const cfg = config();
const tmall = cfg.channels[0] as ChannelConfig; // stores: store-17 authorised for CN-31, CN-32; roiFloor 2, drop 30 %, minSpend 1000.00
const douyin = cfg.channels[1] as ChannelConfig; // no rule overrides; override 30 % discount for SKU-1
const NOV_5 = Date.parse('2025-11-05T12:00:00+08:00');
const DOUBLE_11 = Date.parse('2025-11-11T10:00:00+08:00');

const sale = (unitPrice: bigint, extra: Partial<SaleRecorded> = {}): SaleRecorded => ({
  type: SALE,
  eventId: 'e1',
  channelId: 'tmall',
  occurredAtMs: NOV_5,
  occurredAt: '2025-11-05T12:00:00+08:00',
  storeId: 'store-17',
  orderId: 'o1',
  currency: 'CNY',
  lines: [{ sku: 'SKU-1', quantity: 1, unitPrice }],
  ...extra,
});
const kinds = (obs: { kind: string }[]) => obs.map((o) => o.kind);
const totals = (t: Partial<Totals>): Totals => ({ ...zeroTotals(), ...t });

describe('price_violation', () => {
  it('computes the floor from the guide price, the channel override and active promotions', () => {
    expect(priceFloor(cfg, tmall, 'SKU-1', NOV_5)).toEqual({ floor: 15920n, guide: 19900n, maxDiscountPct: 20 }); // 199 × 0.8
    expect(priceFloor(cfg, douyin, 'SKU-1', NOV_5)).toMatchObject({ floor: 13930n, maxDiscountPct: 30 }); // override
    expect(priceFloor(cfg, tmall, 'SKU-1', DOUBLE_11)).toMatchObject({ floor: 11940n, maxDiscountPct: 40, promotionId: 'double-11' });
    expect(priceFloor(cfg, douyin, 'SKU-1', DOUBLE_11)).toMatchObject({ maxDiscountPct: 30 }); // promotion is tmall-only
    expect(priceFloor(cfg, tmall, 'SKU-UNKNOWN', NOV_5)).toBeUndefined();
  });

  it('promotion windows are [from, to)', () => {
    expect(priceFloor(cfg, tmall, 'SKU-1', Date.parse('2025-11-10T20:00:00+08:00'))?.promotionId).toBe('double-11');
    expect(priceFloor(cfg, tmall, 'SKU-1', Date.parse('2025-11-10T19:59:59+08:00'))?.promotionId).toBeUndefined();
    expect(priceFloor(cfg, tmall, 'SKU-1', Date.parse('2025-11-12T00:00:00+08:00'))?.promotionId).toBeUndefined();
  });

  it.each([
    [15920n, 'clear'],
    [15919n, 'breach'],
    [19900n, 'clear'],
    [0n, 'breach'],
  ])('at %s fen → %s (floor 159.20)', (price, kind) => {
    expect(kinds(priceRule(cfg, tmall, sale(price)))).toEqual([kind]);
  });

  it('allows the deeper discount inside the promotion, and not outside it', () => {
    expect(kinds(priceRule(cfg, tmall, sale(12000n, { occurredAtMs: DOUBLE_11 })))).toEqual(['clear']);
    expect(kinds(priceRule(cfg, tmall, sale(12000n)))).toEqual(['breach']);
  });

  it('judges a sale by the lowest price per SKU and grades severity by depth', () => {
    const obs = priceRule(
      cfg,
      tmall,
      sale(15900n, {
        lines: [
          { sku: 'SKU-1', quantity: 1, unitPrice: 19900n },
          { sku: 'SKU-1', quantity: 1, unitPrice: 15900n },
        ],
      }),
    );
    expect(obs).toHaveLength(1);
    expect(obs[0]).toMatchObject({
      kind: 'breach',
      severity: 'warning',
      observed: '159.00',
      threshold: '159.20',
      subject: { channelId: 'tmall', storeId: 'store-17', sku: 'SKU-1' },
    });
    expect(priceRule(cfg, tmall, sale(13900n))[0]).toMatchObject({ severity: 'critical' }); // > 10 % of guide below the floor
  });
});

describe('unauthorized_region', () => {
  it('fires outside the store territory only', () => {
    expect(regionRule(tmall, sale(19900n, { region: 'CN-31' }))).toEqual([]);
    expect(regionRule(tmall, sale(19900n, { region: 'CN-44' }))[0]).toMatchObject({
      kind: 'breach',
      subject: { channelId: 'tmall', storeId: 'store-17', region: 'CN-44' },
    });
    expect(regionRule(tmall, sale(19900n))).toEqual([]); // no region given
    expect(regionRule(tmall, sale(19900n, { storeId: 'unlisted', region: 'CN-44' }))).toEqual([]); // store without a territory
  });
});

describe('budget_overrun', () => {
  const daily = 2_000_000n; // 20,000.00
  it.each([
    [1_599_999n, []],
    [1_600_000n, ['warning']],
    [1_999_999n, ['warning']],
    [2_000_000n, ['critical']],
  ])('actual: spend %s of 20,000.00 → %j', (spend, severities) => {
    const obs = budgetActualRule(tmall, 'day', spend, daily).filter((o) => o.kind === 'breach');
    expect(obs.map((o) => (o.kind === 'breach' ? o.severity : ''))).toEqual(severities);
  });
  it('actual: clears only well below the warning level (hysteresis), e.g. after a budget increase', () => {
    expect(kinds(budgetActualRule(tmall, 'day', 1_500_000n, daily))).toEqual([]);
    expect(kinds(budgetActualRule(tmall, 'day', 1_399_999n, daily))).toEqual(['clear']);
  });
  it('forecast: fires above 110 % projected, not before 20 % of the usual spend, not after the actual overrun', () => {
    expect(kinds(budgetForecastRule(tmall, 'day', 600_000n, daily, 0.25))).toEqual(['breach']); // projects 24,000
    expect(kinds(budgetForecastRule(tmall, 'day', 550_000n, daily, 0.25))).toEqual([]); // projects exactly 22,000: not above
    expect(kinds(budgetForecastRule(tmall, 'day', 600_000n, daily, 0.19))).toEqual([]); // too early to judge
    expect(kinds(budgetForecastRule(tmall, 'day', 2_000_000n, daily, 0.9))).toEqual(['clear']); // actual took over
    expect(kinds(budgetForecastRule(tmall, 'day', 450_000n, daily, 0.25))).toEqual(['clear']); // back within budget
  });
});

describe('roi_drop', () => {
  const baseline = totals({ gmv: 7_000_000n, spend: 2_000_000n }); // 3.5×
  it('needs minSpend before judging', () => {
    expect(roiRule(tmall, totals({ gmv: 0n, spend: 99_999n }), baseline)).toEqual([]);
    expect(kinds(roiRule(tmall, totals({ gmv: 0n, spend: 100_000n }), baseline))).toEqual(['breach']);
  });
  it('fires below the floor (critical) exactly at the boundary', () => {
    expect(roiRule(tmall, totals({ gmv: 199_999n, spend: 100_000n }), totals({}))[0]).toMatchObject({ kind: 'breach', severity: 'critical', threshold: 2 });
    expect(kinds(roiRule(tmall, totals({ gmv: 200_000n, spend: 100_000n }), totals({})))).toEqual([]); // in the hysteresis band
  });
  it('fires more than roiDropPct below the 7-day ROI (warning)', () => {
    // 3.5 × 0.7 = 2.45
    expect(roiRule(tmall, totals({ gmv: 244_000n, spend: 100_000n }), baseline)[0]).toMatchObject({ severity: 'warning' });
    expect(kinds(roiRule(tmall, totals({ gmv: 246_000n, spend: 100_000n }), baseline))).toEqual([]);
  });
  it('clears only 10 % above the threshold it broke', () => {
    expect(kinds(roiRule(tmall, totals({ gmv: 269_000n, spend: 100_000n }), baseline))).toEqual([]); // < 2.45 × 1.1
    expect(kinds(roiRule(tmall, totals({ gmv: 270_000n, spend: 100_000n }), baseline))).toEqual(['clear']);
  });
  it('uses the defaults (floor 2.0, minSpend 10 % of the daily budget) without overrides', () => {
    expect(roiRule(douyin, totals({ gmv: 0n, spend: 299_999n }), totals({}))).toEqual([]);
    expect(kinds(roiRule(douyin, totals({ gmv: 0n, spend: 300_000n }), totals({})))).toEqual(['breach']);
  });
});

describe('conversion_mismatch', () => {
  it.each([
    [100n, 120n, []],
    [100n, 121n, ['breach']],
    [10n, 25n, []], // +150 % but only 15 more: too few to matter
    [10n, 30n, ['breach']],
    [100n, 110n, ['clear']],
  ])('orders %s, reported %s → %j', (orders, reported, expected) => {
    expect(kinds(mismatchRule(tmall, totals({ orders, reportedConversions: reported })))).toEqual(expected);
  });
});

describe('feed_stale', () => {
  const last = Date.parse('2025-11-05T10:00:00Z');
  it('fires after staleAfterMinutes for a channel that normally reports, and clears on arrival', () => {
    expect(kinds(staleRule(tmall, last, true, last + 119 * 60_000))).toEqual(['clear']);
    expect(kinds(staleRule(tmall, last, true, last + 120 * 60_000))).toEqual(['breach']);
    expect(kinds(staleRule(tmall, last, false, last + 600 * 60_000))).toEqual([]);
    expect(staleRule(tmall, undefined, true, last)).toEqual([]);
  });
});

describe('money at risk (impact) on every rule', () => {
  const impactOf = (obs: readonly { kind: string; impact?: { minor: bigint; cumulative?: boolean } }[]) => obs.find((o) => o.kind === 'breach')?.impact?.minor;

  it('price: (floor − price) × the units sold below it, cumulative while it fires', async () => {
    // Floor 159.20; two units at 149.20 and one at 159.20 (at the floor): 2 × 10.00 below.
    const obs = priceRule(
      cfg,
      tmall,
      sale(14920n, {
        lines: [
          { sku: 'SKU-1', quantity: 2, unitPrice: 14920n },
          { sku: 'SKU-1', quantity: 1, unitPrice: 15920n },
        ],
      }),
    );
    expect(impactOf(obs)).toBe(2000n);
    const { applyObservation } = await import('../../shared/domain/alerts/alert.ts');
    const first = applyObservation(undefined, obs[0] as never, NOV_5, [])?.states[0];
    const second = applyObservation(first, priceRule(cfg, tmall, sale(15820n))[0] as never, NOV_5 + 1000, [])?.states[0];
    expect(first?.impact).toMatchObject({ amount: '20.00', currency: 'CNY' });
    expect(second?.impact).toMatchObject({ amount: '21.00', currency: 'CNY' }); // + 1 × 1.00
  });

  it('region: the diverted order’s GMV', () => {
    const diverted = sale(20000n, { region: 'CN-44', lines: [{ sku: 'SKU-1', quantity: 3, unitPrice: 20000n }] });
    expect(impactOf(regionRule(tmall, diverted))).toBe(60000n);
  });

  it('budget: spend beyond the budget (none at the 80 % warning); forecast: projected beyond it', () => {
    expect(impactOf(budgetActualRule(tmall, 'day', 1_700_000n, 2_000_000n))).toBe(0n);
    expect(impactOf(budgetActualRule(tmall, 'day', 2_150_000n, 2_000_000n))).toBe(150_000n);
    // 1,000.00 spent with 40 % of the day's usual spend behind: 2,500.00 projected against 2,000.00.
    expect(impactOf(budgetForecastRule(tmall, 'day', 100_000n, 200_000n, 0.4))).toBe(50_000n);
  });

  it('ROI: the GMV the window’s spend returns at the 7-day ROI, less what it did', () => {
    // Spend 1,000.00, GMV 2,500.00 (2.5×) against a 7-day 4×: 4,000.00 − 2,500.00 = 1,500.00 short.
    const obs = roiRule(tmall, totals({ spend: 100_000n, gmv: 250_000n }), totals({ spend: 700_000n, gmv: 2_800_000n }));
    expect(obs[0]).toMatchObject({ severity: 'warning' });
    expect(impactOf(obs)).toBe(150_000n);
  });

  it('conversion mismatch: reported revenue that recorded orders do not back; stale feed: the GMV the silence normally holds', () => {
    expect(impactOf(mismatchRule(tmall, totals({ reportedConversions: 200n, orders: 100n, reportedRevenue: 900_000n, gmv: 500_000n })))).toBe(400_000n);
    // Silent 150 minutes at a usual 600.00 an hour: 1,500.00.
    const last = NOV_5 - 150 * 60_000;
    expect(impactOf(staleRule(tmall, last, true, NOV_5, 60_000n))).toBe(150_000n);
  });
});
