/**
 * The six rules of SPEC §4, each a small pure function from facts to observations. Defaults live here; every
 * threshold can be overridden per channel in the configuration (`channels[].rules`). Money comparisons are exact
 * integer arithmetic; ratios are only used where the rule is itself a ratio (ROI, conversion mismatch).
 */
import type { Totals } from '../aggregation.ts';
import type { ChannelConfig, SentinelConfig } from '../config.ts';
import type { SaleRecorded } from '../../../events/normalised.ts';
import { formatMoney, parseMoney } from '../../kernel/money.ts';
import type { Observation } from './alert.ts';
import { type Said, sentence } from './sentences.ts';

export const RULE_DEFAULTS = {
  /** roi_drop: trailing-24 h ROI below this fires (critical). */
  roiFloor: 2.0,
  /** roi_drop: trailing-24 h ROI this many percent below the trailing 7-day ROI fires (warning). */
  roiDropPct: 30,
  /** roi_drop: no verdict before this much spend in the window, as a share of the daily budget when minSpend is not set. */
  minSpendShareOfDailyBudget: 0.1,
  /** roi_drop: the 7-day baseline counts only once it holds this many hours with spend (3 days). */
  minBaselineHours: 72,
  /** roi_drop: the trailing 24 h is judged only once it holds this many hours with spend (a nearly full window). */
  minTrailingHours: 20,
  /** Hysteresis for ratio rules: resolve only once the value is back this far past its threshold. */
  hysteresis: 0.1,
  /** budget_overrun actual: warning and critical levels, share of the budget. */
  budgetWarning: 0.8,
  budgetCritical: 1.0,
  /** budget_overrun forecast: projected spend above this share of the budget fires… */
  forecastTrigger: 1.1,
  /** …once this share of the period's usual spend has passed (not in the first minutes of a period). */
  forecastMinShare: 0.2,
  /** conversion_mismatch: reported conversions above orders × (1 + this), and by at least `mismatchMinExcess`. */
  mismatchPct: 20,
  mismatchMinExcess: 20,
  /** feed_stale: silence after which a channel that normally reports is stale. */
  staleAfterMinutes: 120,
  /**
   * feed_stale: a channel "normally reports" when it had events in at least this many of the last 48 hours — a feed
   * that reported this morning and went quiet is judged; a once-a-day batch uploader is not mistaken for a dead one.
   */
  normallyReportsHours: 3,
  /** price_violation / unauthorized_region: resolved after this long without a further violation. */
  quietResolveMs: 24 * 3_600_000,
} as const;

const pctText = (x: number) => `${Math.round(x * 10) / 10}%`;

/** A breach's summary (in English, the rules' own words) with what it says as data, for other languages. */
const tells = (said: Said) => ({ summary: sentence('en', said), said });
/** A clearance's reason, likewise. */
const says = (said: Said) => ({ reason: sentence('en', said), said });

// ---------------------------------------------------------------------------------------------------------------
// price_violation

export interface PriceFloor {
  /** Lowest allowed unit price, in minor units, rounded up (a price equal to the exact floor complies). */
  readonly floor: bigint;
  readonly guide: bigint;
  readonly maxDiscountPct: number;
  readonly promotionId?: string;
}

/**
 * The floor for a SKU on a channel at an instant: guidePrice × (1 − maxDiscountPct/100), where the channel's
 * override replaces the default discount and any promotion active at `atMs` for that channel (and SKU, if it names
 * SKUs) may allow a deeper one. `undefined` when no guide price applies (unknown SKU, or a guide price the
 * channel's currency cannot express).
 */
export function priceFloor(config: SentinelConfig, channel: ChannelConfig, sku: string, atMs: number): PriceFloor | undefined {
  const price = config.prices.find((p) => p.sku === sku);
  if (!price) return undefined;
  const guide = parseMoney(price.guidePrice, channel.currency);
  if (!guide.ok) return undefined;
  let pct = price.channels[channel.id]?.maxDiscountPct ?? price.maxDiscountPct;
  let promotionId: string | undefined;
  for (const promo of config.promotions) {
    const applies =
      promo.channelIds.includes(channel.id) && (promo.skus === undefined || promo.skus.includes(sku)) && atMs >= promo.fromMs && atMs < promo.toMs;
    if (applies && promo.maxDiscountPct > pct) {
      pct = promo.maxDiscountPct;
      promotionId = promo.id;
    }
  }
  // floor = guide × (100 − pct) / 100, pct to a thousandth of a percent, rounded up to the minor unit.
  const milli = BigInt(Math.round(pct * 1000));
  const numerator = guide.minor * (100_000n - milli);
  const floor = (numerator + 99_999n) / 100_000n;
  return { floor, guide: guide.minor, maxDiscountPct: pct, ...(promotionId ? { promotionId } : {}) };
}

/**
 * price_violation for one sale: per SKU, the lowest unit price on the sale against the floor. Below → breach
 * (critical when more than 10 % of the guide price below the floor); at or above → clear ("sold at or above the
 * floor again").
 */
export function priceRule(config: SentinelConfig, channel: ChannelConfig, sale: SaleRecorded): Observation[] {
  const lowest = new Map<string, bigint>();
  for (const line of sale.lines)
    lowest.set(line.sku, line.unitPrice < (lowest.get(line.sku) ?? line.unitPrice + 1n) ? line.unitPrice : (lowest.get(line.sku) as bigint));
  const out: Observation[] = [];
  for (const [sku, price] of lowest) {
    const floor = priceFloor(config, channel, sku, sale.occurredAtMs);
    if (!floor) continue;
    const subject = { channelId: channel.id, storeId: sale.storeId, sku };
    if (price >= floor.floor) {
      out.push({ kind: 'clear', rule: 'price_violation', subject, ...says({ key: 'price_back', store: sale.storeId, sku }) });
      continue;
    }
    const money = (m: bigint) => formatMoney(m, channel.currency);
    const deep = (floor.floor - price) * 10n > floor.guide;
    let below = 0n;
    for (const line of sale.lines) if (line.sku === sku && line.unitPrice < floor.floor) below += (floor.floor - line.unitPrice) * BigInt(line.quantity);
    out.push({
      kind: 'breach',
      rule: 'price_violation',
      subject,
      severity: deep ? 'critical' : 'warning',
      observed: money(price),
      threshold: money(floor.floor),
      ...tells({
        key: 'price_below_floor',
        store: sale.storeId,
        channel: channel.name,
        sku,
        price: money(price),
        currency: channel.currency,
        floor: money(floor.floor),
        guide: money(floor.guide),
        pct: floor.maxDiscountPct,
        ...(floor.promotionId ? { promotion: floor.promotionId } : {}),
      }),
      evidence: {
        eventId: sale.eventId,
        orderId: sale.orderId,
        occurredAt: sale.occurredAt,
        unitPrice: money(price),
        floor: money(floor.floor),
        guidePrice: money(floor.guide),
        maxDiscountPct: floor.maxDiscountPct,
        ...(floor.promotionId ? { promotionId: floor.promotionId } : {}),
      },
      impact: {
        minor: below,
        currency: channel.currency,
        basis: `Revenue given away below the price floor: (floor − price) × units, summed over the violating sales of ${sku} by store ${sale.storeId}.`,
        cumulative: true,
      },
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// unauthorized_region

/** unauthorized_region: a sale shipped to a region its store is not authorised for (grey-market diversion, 竄貨). */
export function regionRule(channel: ChannelConfig, sale: SaleRecorded): Observation[] {
  const store = channel.stores.find((s) => s.id === sale.storeId);
  if (!store?.authorizedRegions || sale.region === undefined || store.authorizedRegions.includes(sale.region)) return [];
  return [
    {
      kind: 'breach',
      rule: 'unauthorized_region',
      subject: { channelId: channel.id, storeId: sale.storeId, region: sale.region },
      severity: 'critical',
      observed: sale.region,
      threshold: store.authorizedRegions.join(','),
      ...tells({ key: 'diverted', store: sale.storeId, channel: channel.name, order: sale.orderId, region: sale.region, territory: store.authorizedRegions }),
      evidence: { eventId: sale.eventId, orderId: sale.orderId, occurredAt: sale.occurredAt, region: sale.region, authorizedRegions: store.authorizedRegions },
      impact: {
        minor: sale.lines.reduce((sum, l) => sum + l.unitPrice * BigInt(l.quantity), 0n),
        currency: channel.currency,
        basis: `GMV of the orders store ${sale.storeId} shipped outside its territory (diverted goods, 竄貨).`,
        cumulative: true,
      },
    },
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// budget_overrun

/**
 * budget_overrun, actual basis, for one period: spend-to-date at ≥ 100 % of the budget is critical, ≥ 80 % a
 * warning. Below 80 % less the hysteresis (a raised budget) clears. Period ends are resolved by the sweep.
 */
export function budgetActualRule(channel: ChannelConfig, period: 'day' | 'month', spend: bigint, budget: bigint | undefined): Observation[] {
  if (budget === undefined || budget <= 0n) return [];
  const subject = { channelId: channel.id, period, basis: 'actual' as const };
  const share = Number(spend) / Number(budget);
  const money = (m: bigint) => formatMoney(m, channel.currency);
  if (spend * 100n >= budget * 80n) {
    const critical = spend >= budget;
    return [
      {
        kind: 'breach',
        rule: 'budget_overrun',
        subject,
        severity: critical ? 'critical' : 'warning',
        observed: money(spend),
        threshold: money(critical ? budget : (budget * 80n + 99n) / 100n),
        ...tells({
          key: 'spent',
          channel: channel.name,
          spend: money(spend),
          currency: channel.currency,
          share: pctText(share * 100),
          period,
          budget: money(budget),
        }),
        evidence: { spend: money(spend), budget: money(budget), sharePct: Math.round(share * 1000) / 10 },
        impact: {
          minor: spend > budget ? spend - budget : 0n,
          currency: channel.currency,
          basis: `Spend beyond the ${period === 'day' ? 'daily' : 'monthly'} budget so far.`,
        },
      },
    ];
  }
  if (share < RULE_DEFAULTS.budgetWarning - RULE_DEFAULTS.hysteresis)
    return [{ kind: 'clear', rule: 'budget_overrun', subject, ...says({ key: 'spend_back', share: pctText(share * 100) }) }];
  return [];
}

/**
 * budget_overrun, forecast basis: projected period spend = spend-to-date ÷ the share of a period's spend that
 * usually falls before now (`usualShareSoFar`, learned from the channel's own recent hours, linear when there is no
 * history). Fires above 110 % of the budget once at least 20 % of the usual spend is behind us, and only while the
 * actual spend is still below the budget (it warns before the overrun, not after). Clears below 100 %.
 */
export function budgetForecastRule(
  channel: ChannelConfig,
  period: 'day' | 'month',
  spend: bigint,
  budget: bigint | undefined,
  usualShareSoFar: number,
): Observation[] {
  if (budget === undefined || budget <= 0n || usualShareSoFar < RULE_DEFAULTS.forecastMinShare) return [];
  const subject = { channelId: channel.id, period, basis: 'forecast' as const };
  const projected = Number(spend) / usualShareSoFar;
  const money = (m: bigint) => formatMoney(m, channel.currency);
  if (projected > Number(budget) * RULE_DEFAULTS.forecastTrigger && spend < budget) {
    const projectedMinor = BigInt(Math.round(projected));
    return [
      {
        kind: 'breach',
        rule: 'budget_overrun',
        subject,
        severity: 'warning',
        observed: money(projectedMinor),
        threshold: money((budget * 110n + 99n) / 100n),
        ...tells({
          key: 'pacing',
          channel: channel.name,
          projected: money(projectedMinor),
          currency: channel.currency,
          period,
          share: pctText((projected / Number(budget)) * 100),
          budget: money(budget),
          spend: money(spend),
        }),
        evidence: { spend: money(spend), budget: money(budget), projected: money(projectedMinor), usualShareSoFar: Math.round(usualShareSoFar * 1000) / 1000 },
        impact: {
          minor: projectedMinor - budget,
          currency: channel.currency,
          basis: `Spend projected beyond the ${period === 'day' ? 'daily' : 'monthly'} budget by the end of the ${period} at the current pace.`,
        },
      },
    ];
  }
  if (projected <= Number(budget) || spend >= budget)
    return [
      {
        kind: 'clear',
        rule: 'budget_overrun',
        subject,
        ...says({ key: spend >= budget ? 'actual_took_over' : 'projection_back' }),
      },
    ];
  return [];
}

// ---------------------------------------------------------------------------------------------------------------
// roi_drop

/**
 * roi_drop: ROI over the trailing 24 h, once at least minSpend was spent in it, below roiFloor (critical) or more
 * than roiDropPct % below the trailing 7-day ROI before it (warning). Clears once ROI is back above the threshold
 * it broke by the hysteresis (+10 %).
 */
export function roiRule(channel: ChannelConfig, trailing24h: Totals, baseline7d: Totals): Observation[] {
  const minSpend = channel.rules.minSpend ?? (channel.budget.daily * BigInt(Math.round(RULE_DEFAULTS.minSpendShareOfDailyBudget * 1000))) / 1000n;
  if (trailing24h.spend === 0n || trailing24h.spend < minSpend) return [];
  const roi = Number(trailing24h.gmv) / Number(trailing24h.spend);
  const floor = channel.rules.roiFloor ?? RULE_DEFAULTS.roiFloor;
  const dropPct = channel.rules.roiDropPct ?? RULE_DEFAULTS.roiDropPct;
  const baseline = baseline7d.spend >= minSpend && baseline7d.spend > 0n ? Number(baseline7d.gmv) / Number(baseline7d.spend) : undefined;
  const dropThreshold = baseline === undefined ? undefined : baseline * (1 - dropPct / 100);
  const subject = { channelId: channel.id };
  const round = (x: number) => Math.round(x * 100) / 100;
  const money = (m: bigint) => formatMoney(m, channel.currency);
  // GMV the window's spend would have brought at the baseline ROI (the floor when there is no baseline), less what it did.
  const expectedRoi = baseline ?? floor;
  const shortfall = BigInt(Math.max(0, Math.round(expectedRoi * Number(trailing24h.spend) - Number(trailing24h.gmv))));
  const impact = {
    minor: shortfall,
    currency: channel.currency,
    basis: `GMV short of what the last 24 h's spend of ${money(trailing24h.spend)} returns at the ${baseline === undefined ? `ROI floor of ${floor}×` : `7-day ROI of ${round(baseline)}×`}.`,
  };
  const evidence = {
    window: 'trailing 24 h',
    gmv: money(trailing24h.gmv),
    spend: money(trailing24h.spend),
    roi: round(roi),
    roiFloor: floor,
    ...(baseline === undefined ? {} : { baselineRoi7d: round(baseline), roiDropPct: dropPct }),
  };
  if (roi < floor) {
    return [
      {
        kind: 'breach',
        rule: 'roi_drop',
        subject,
        severity: 'critical',
        observed: round(roi),
        threshold: floor,
        ...tells({ key: 'roi_below_floor', channel: channel.name, roi: round(roi), floor }),
        evidence,
        impact,
      },
    ];
  }
  if (dropThreshold !== undefined && roi < dropThreshold) {
    return [
      {
        kind: 'breach',
        rule: 'roi_drop',
        subject,
        severity: 'warning',
        observed: round(roi),
        threshold: round(dropThreshold),
        ...tells({
          key: 'roi_below_baseline',
          channel: channel.name,
          roi: round(roi),
          drop: pctText((1 - roi / (baseline as number)) * 100),
          baseline: round(baseline as number),
        }),
        evidence,
        impact,
      },
    ];
  }
  const resolveAbove = Math.max(floor, dropThreshold ?? 0) * (1 + RULE_DEFAULTS.hysteresis);
  if (roi >= resolveAbove) return [{ kind: 'clear', rule: 'roi_drop', subject, ...says({ key: 'roi_recovered', roi: round(roi) }) }];
  return [];
}

// ---------------------------------------------------------------------------------------------------------------
// conversion_mismatch

/**
 * conversion_mismatch: over the trailing 24 h the platform reports more than 20 % more conversions than orders
 * recorded, and at least 20 more — inflated partner reporting. Clears below +10 % (hysteresis).
 */
export function mismatchRule(channel: ChannelConfig, trailing24h: Totals): Observation[] {
  const reported = trailing24h.reportedConversions;
  const orders = trailing24h.orders;
  const subject = { channelId: channel.id };
  const excess = reported - orders;
  if (reported * 100n > orders * BigInt(100 + RULE_DEFAULTS.mismatchPct) && excess >= BigInt(RULE_DEFAULTS.mismatchMinExcess)) {
    const pct = orders === 0n ? null : Math.round((Number(excess) / Number(orders)) * 1000) / 10;
    return [
      {
        kind: 'breach',
        rule: 'conversion_mismatch',
        subject,
        severity: 'warning',
        observed: Number(reported),
        threshold: Number((orders * BigInt(100 + RULE_DEFAULTS.mismatchPct)) / 100n),
        ...tells({ key: 'conversions', channel: channel.name, reported: String(reported), orders: String(orders), pct }),
        evidence: { window: 'trailing 24 h', reportedConversions: Number(reported), orders: Number(orders), excess: Number(excess) },
        impact: {
          minor: trailing24h.reportedRevenue > trailing24h.gmv ? trailing24h.reportedRevenue - trailing24h.gmv : 0n,
          currency: channel.currency,
          basis: 'Revenue the platform reported over the last 24 h that recorded orders do not back.',
        },
      },
    ];
  }
  if (reported * 100n <= orders * BigInt(100 + RULE_DEFAULTS.mismatchPct / 2))
    return [{ kind: 'clear', rule: 'conversion_mismatch', subject, ...says({ key: 'conversions_back' }) }];
  return [];
}

// ---------------------------------------------------------------------------------------------------------------
// feed_stale

/**
 * feed_stale: a channel that normally reports (events in most recent hours) has sent nothing for
 * staleAfterMinutes. `lastEventAtMs` is the latest arrival; clears as soon as anything arrives. Its impact is the GMV
 * the silence normally holds (`usualHourlyGmv`, the channel's own 7-day hourly average).
 */
export function staleRule(
  channel: ChannelConfig,
  lastEventAtMs: number | undefined,
  normallyReports: boolean,
  nowMs: number,
  usualHourlyGmv = 0n,
): Observation[] {
  const subject = { channelId: channel.id };
  if (lastEventAtMs === undefined) return [];
  const afterMinutes = channel.rules.staleAfterMinutes ?? RULE_DEFAULTS.staleAfterMinutes;
  const silentMinutes = Math.floor((nowMs - lastEventAtMs) / 60_000);
  if (normallyReports && silentMinutes >= afterMinutes) {
    return [
      {
        kind: 'breach',
        rule: 'feed_stale',
        subject,
        severity: 'warning',
        observed: silentMinutes,
        threshold: afterMinutes,
        ...tells({ key: 'silent', channel: channel.name, minutes: silentMinutes, after: afterMinutes }),
        evidence: { lastEventAt: new Date(lastEventAtMs).toISOString(), silentMinutes },
        impact: {
          minor: (usualHourlyGmv * BigInt(silentMinutes)) / 60n,
          currency: channel.currency,
          basis: `GMV the channel normally records in ${silentMinutes} minutes (its hourly average over the previous 7 days), unseen while the feed is silent.`,
        },
      },
    ];
  }
  if (silentMinutes < afterMinutes) return [{ kind: 'clear', rule: 'feed_stale', subject, ...says({ key: 'arriving' }) }];
  return [];
}

/** The KPI rules whose notifications a firing feed_stale mutes for its channel (a broken feed is not a business collapse). */
export const HELD_BACK_WHILE_STALE: ReadonlySet<string> = new Set(['roi_drop', 'conversion_mismatch']);
