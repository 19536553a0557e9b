/**
 * Periodic reviews (日/周/月度复盘): what the team meets over after a business day, a week or a month closed — each
 * channel's period against the previous one and against the plan, the incidents and what was done about them, the
 * proposals and what they realised, and the stores ranked. Pure: the use case brings the figures, the alert states,
 * the proposals and the time; every figure here is exact (sums of stored hour totals), only ratios are rounded.
 */
import type { ReviewPublishedDetail } from '../../../events/outbound.ts';
import { formatMoney } from '../../kernel/money.ts';
import { addDays, bucketOf, daysInclusive } from '../../kernel/time.ts';
import { compareText } from '../../kernel/compare.ts';
import { addInto, kpisOf, type Totals, zeroTotals } from '../aggregation.ts';
import type { AlertState } from '../alerts/alert.ts';
import { outcomeOf } from '../budgets/outcome.ts';
import type { ProposalRecord } from '../budgets/proposal.ts';
import { channelIdsIn, type SentinelConfig } from '../config.ts';
import { reviewSummary } from './text.ts';

export const REVIEW_PERIODS = ['day', 'week', 'month'] as const;

/**
 * A review is one event and one item: EventBridge takes 256 KB, DynamoDB 400 KB. The leaderboard keeps its top 100
 * stores and the rectification log its 200 incidents with the most money at risk (in order of raising); the totals
 * say how many there were.
 */
export const MAX_STORES = 100;
export const MAX_INCIDENTS = 200;

type Incident = ReviewPublishedDetail['incidents'][number];
const atRisk = (i: Incident) => (i.impact ? Number(i.impact.amount) : 0);
const byMoneyAtRisk = (a: Incident, b: Incident) => atRisk(b) - atRisk(a) || compareText(a.alertId, b.alertId);
const byRaise = (a: Incident, b: Incident) => Date.parse(a.raisedAt) - Date.parse(b.raisedAt) || compareText(a.alertId, b.alertId);
export type ReviewPeriod = (typeof REVIEW_PERIODS)[number];

/** A period of business days, both ends included. */
export interface PeriodSpan {
  readonly period: ReviewPeriod;
  readonly from: string;
  readonly to: string;
}

const weekday = (day: string) => new Date(`${day}T00:00:00Z`).getUTCDay();
const lastOfMonth = (day: string) => addDays(`${addDays(`${day.slice(0, 7)}-28`, 4).slice(0, 7)}-01`, -1);

/** The period of kind `period` that contains business day `day`: the day, its Monday-to-Sunday week, its month. */
export function spanOf(period: ReviewPeriod, day: string): PeriodSpan {
  if (period === 'day') return { period, from: day, to: day };
  if (period === 'week') {
    const from = addDays(day, -((weekday(day) + 6) % 7));
    return { period, from, to: addDays(from, 6) };
  }
  return { period, from: `${day.slice(0, 7)}-01`, to: lastOfMonth(day) };
}

/** The period before `span`, of the same kind (a month's is the whole previous month, whatever its length). */
export function previousSpan(span: PeriodSpan): PeriodSpan {
  return spanOf(span.period, addDays(span.from, -1));
}

/**
 * The periods business day `closedDay` closes: always its day; its week when it is a Sunday; its month when it is the
 * month's last day. The review job runs once per closed day, so each period is reviewed exactly when it ends.
 */
export function periodsClosedBy(closedDay: string): PeriodSpan[] {
  const out: PeriodSpan[] = [spanOf('day', closedDay)];
  if (weekday(closedDay) === 0) out.push(spanOf('week', closedDay));
  if (lastOfMonth(closedDay) === closedDay) out.push(spanOf('month', closedDay));
  return out;
}

/** One id per period: a retried job stores and publishes a review once. */
export const reviewIdOf = (span: PeriodSpan) => `rev-${span.period}-${span.from}`;

export interface ReviewInput {
  readonly span: PeriodSpan;
  /** Up to which day the figures go (the span's end for a closed period; earlier for a period-to-date review). */
  readonly through: string;
  readonly atMs: number;
  /** The configuration with the budgets in force (the plan the period is judged against). */
  readonly config: SentinelConfig;
  /** Each channel's day totals, covering the previous period and this one. */
  readonly days: ReadonlyMap<string, ReadonlyMap<string, Totals>>;
  /** Each channel's store-day totals (day, then store), covering this period. */
  readonly stores: ReadonlyMap<string, ReadonlyMap<string, ReadonlyMap<string, Totals>>>;
  /** 0 for the review made when its period closed; each later revision (late events counted) one more. */
  readonly revision?: number;
  /** Alert states that may have fired during the period (the job passes everything it knows; the rest is filtered). */
  readonly alerts: readonly AlertState[];
  /**
   * Incidents earlier reviews of the period's days recorded: the alert store keeps one state per fingerprint, so a
   * week's review would otherwise miss an alert that fired and resolved before the same fingerprint fired again.
   */
  readonly earlierIncidents?: readonly ReviewPublishedDetail['incidents'][number][];
  readonly proposals: readonly ProposalRecord[];
}

const round = (x: number | null, digits = 4) => (x === null || !Number.isFinite(x) ? null : Math.round(x * 10 ** digits) / 10 ** digits);
/** Money per unit (AOV, cost per order) in minor units, rounded half away from zero to a whole minor unit. */
const moneyPer = (total: bigint, count: bigint, currency: string) =>
  count === 0n ? null : formatMoney((total * 2n + (total >= 0n ? count : -count)) / (2n * count), currency);
const nonNegative = (minor: bigint, currency: string) => formatMoney(minor < 0n ? 0n : minor, currency);

function totalsOut(t: Totals, currency: string) {
  return {
    gmv: nonNegative(t.gmv, currency),
    orders: Number(t.orders),
    units: Number(t.units),
    refunds: nonNegative(t.refunds, currency),
    refundCount: Number(t.refundCount),
    spend: nonNegative(t.spend, currency),
    impressions: Number(t.impressions),
    clicks: Number(t.clicks),
    reportedConversions: Number(t.reportedConversions),
    visits: Number(t.visits),
  };
}

function kpisOut(t: Totals, currency: string) {
  const k = kpisOf(t);
  return {
    aov: moneyPer(t.gmv, t.orders, currency),
    conversionRate: round(k.conversionRate),
    roi: round(k.roi),
    refundRate: round(k.refundRate),
    ctr: round(k.ctr),
    costPerOrder: moneyPer(t.spend, t.orders, currency),
  };
}

const pctChange = (now: bigint, before: bigint) => (before === 0n ? null : round(Number(now - before) / Number(before)));

/** Each store's totals over `[from, to]` from its day totals. */
function storeTotals(days: ReadonlyMap<string, ReadonlyMap<string, Totals>> | undefined, from: string, to: string): Map<string, Totals> {
  const out = new Map<string, Totals>();
  for (const [day, stores] of days ?? []) {
    if (day < from || day > to) continue;
    for (const [storeId, totals] of stores) out.set(storeId, addInto(out.get(storeId) ?? zeroTotals(), totals));
  }
  return out;
}

function sumDays(days: ReadonlyMap<string, Totals> | undefined, from: string, to: string): Totals {
  const out = zeroTotals();
  for (const [day, totals] of days ?? []) if (day >= from && day <= to) addInto(out, totals);
  return out;
}

/** Whether an alert fired on some business day of `[from, to]`: raised by the end, and not resolved before the start. */
function firedDuring(alert: AlertState, from: string, to: string, timezone: string): boolean {
  if (bucketOf(alert.raisedAtMs, timezone).day > to) return false;
  return alert.status === 'firing' || alert.resolvedAtMs === undefined || bucketOf(alert.resolvedAtMs, timezone).day >= from;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The review of one period. Invariants: each channel's totals are the exact sum of its day totals over the period
 * (so a daily review equals the replay summary's day, field for field); the previous period is the same kind of
 * period just before; an incident is listed once per alertId with its latest known state; stores are ranked by GMV
 * (ties by channel and store id), so the same data always yields the same review.
 */
export function buildReview(input: ReviewInput): ReviewPublishedDetail {
  const { span, config, through } = input;
  const previous = previousSpan(span);
  const to = through < span.to ? through : span.to;
  const days = daysInclusive(span.from, to);
  // A period to date is compared with as many days of the previous period; a closed one with the whole of it.
  const previousTo = to === span.to ? previous.to : addDays(previous.from, Math.min(days, daysInclusive(previous.from, previous.to)) - 1);

  const channels = config.channels.map((channel) => {
    const history = input.days.get(channel.id);
    const now = sumDays(history, span.from, to);
    const before = sumDays(history, previous.from, previousTo);
    const budget = channel.budget.daily * BigInt(days);
    const roi = kpisOf(now).roi;
    const floor = channel.rules.roiFloor ?? null;
    const roiByDay = [];
    for (let d = span.from; d <= to; d = addDays(d, 1)) roiByDay.push({ day: d, roi: round(kpisOf(sumDays(history, d, d)).roi) });
    return {
      channelId: channel.id,
      currency: channel.currency,
      totals: totalsOut(now, channel.currency),
      kpis: kpisOut(now, channel.currency),
      previous: { totals: totalsOut(before, channel.currency), kpis: kpisOut(before, channel.currency) },
      change: {
        gmvPct: pctChange(now.gmv, before.gmv),
        ordersPct: pctChange(now.orders, before.orders),
        spendPct: pctChange(now.spend, before.spend),
        roi: roi === null || kpisOf(before).roi === null ? null : round(roi - (kpisOf(before).roi as number)),
      },
      plan: {
        budget: formatMoney(budget, channel.currency),
        spend: nonNegative(now.spend, channel.currency),
        utilisation: budget === 0n ? null : round(Number(now.spend) / Number(budget)),
        roiFloor: floor,
        roiStatus: (now.spend === 0n ? 'no_spend' : floor === null ? 'no_floor' : (roi as number) < floor ? 'below_floor' : 'above_floor') as
          'no_spend' | 'no_floor' | 'below_floor' | 'above_floor',
      },
      roiByDay,
      _gmv: { now: now.gmv, before: before.gmv },
    };
  });

  const movers = channels
    .filter((c) => c._gmv.now !== c._gmv.before)
    .map((c) => ({ c, pct: c.change.gmvPct, amount: Math.abs(Number(c._gmv.now - c._gmv.before)) }))
    // From nothing first (no share to compare), then by share; ties by the size of the change, then the channel.
    .sort((a, b) => Math.abs(b.pct ?? Infinity) - Math.abs(a.pct ?? Infinity) || b.amount - a.amount || compareText(a.c.channelId, b.c.channelId))
    .slice(0, 3)
    .map(({ c }) => ({
      channelId: c.channelId,
      currency: c.currency,
      gmvChange: formatMoney(c._gmv.now - c._gmv.before, c.currency),
      gmvChangePct: c.change.gmvPct,
    }));

  const byAlertId = new Map<string, AlertState>();
  for (const alert of input.alerts) {
    if (!firedDuring(alert, span.from, to, config.timezone)) continue;
    const known = byAlertId.get(alert.alertId);
    // The latest state of an alert wins (a daily review's copy, then the store's current one).
    if (!known || alert.lastBreachAtMs > known.lastBreachAtMs || (alert.status === 'resolved' && known.status === 'firing') || alert.count > known.count)
      byAlertId.set(alert.alertId, alert);
  }
  const incidents: ReviewPublishedDetail['incidents'] = [...byAlertId.values()]
    .sort((a, b) => a.raisedAtMs - b.raisedAtMs || compareText(a.alertId, b.alertId))
    .map((a) => ({
      alertId: a.alertId,
      rule: a.rule,
      severity: a.severity,
      channelId: a.subject.channelId,
      ...(a.subject.storeId ? { storeId: a.subject.storeId } : {}),
      ...(a.subject.sku ? { sku: a.subject.sku } : {}),
      ...(a.subject.region ? { region: a.subject.region } : {}),
      ...(a.subject.period ? { period: a.subject.period } : {}),
      ...(a.subject.basis ? { basis: a.subject.basis } : {}),
      status: a.status,
      raisedAt: iso(a.raisedAtMs),
      ...(a.status === 'resolved' && a.resolvedAtMs !== undefined ? { resolvedAt: iso(a.resolvedAtMs) } : {}),
      ...(a.status === 'resolved' && a.resolveReason ? { resolveReason: a.resolveReason } : {}),
      breaches: Math.max(1, a.count),
      ...(a.impact ? { impact: { amount: a.impact.amount, currency: a.impact.currency } } : {}),
      ...(a.acknowledged ? { acknowledgedBy: a.acknowledged.by, acknowledgedAt: iso(a.acknowledged.atMs) } : {}),
      ...(a.acknowledged?.note ? { note: a.acknowledged.note } : {}),
      summary: a.summary,
    }));

  const listed = new Set(incidents.map((i) => i.alertId));
  const dayOf = (iso: string) => bucketOf(Date.parse(iso), config.timezone).day;
  for (const earlier of input.earlierIncidents ?? []) {
    if (listed.has(earlier.alertId) || dayOf(earlier.raisedAt) > to || (earlier.resolvedAt !== undefined && dayOf(earlier.resolvedAt) < span.from)) continue;
    listed.add(earlier.alertId);
    incidents.push(earlier);
  }
  incidents.sort((a, b) => Date.parse(a.raisedAt) - Date.parse(b.raisedAt) || compareText(a.alertId, b.alertId));

  const proposals = input.proposals
    .filter((p) => {
      const created = bucketOf(p.createdAtMs, config.timezone).day;
      const decided = p.decision ? bucketOf(p.decision.atMs, config.timezone).day : undefined;
      return (created >= span.from && created <= to) || (decided !== undefined && decided >= span.from && decided <= to);
    })
    .sort((a, b) => a.createdAtMs - b.createdAtMs || compareText(a.id, b.id))
    .map((p) => {
      const realised =
        p.status === 'approved' && p.decision ? realisedOf(p, channelIdsIn(config, p.currency), input.days, to, config.timezone, input.atMs) : undefined;
      return {
        proposalId: p.id,
        createdAt: iso(p.createdAtMs),
        status: p.status,
        currency: p.currency,
        expectedGain: p.detail.expectedGain,
        ...(p.decision && p.decision.by !== 'system' ? { decidedBy: p.decision.by } : {}),
        ...(p.decision ? { decidedAt: iso(p.decision.atMs) } : {}),
        ...(realised ? { realised } : {}),
      };
    });

  const counts = new Map<string, { violations: number; diverted: number }>();
  for (const incident of incidents) {
    if (!incident.storeId) continue;
    const key = `${incident.channelId}\u0000${incident.storeId}`;
    const entry = counts.get(key) ?? { violations: 0, diverted: 0 };
    if (incident.rule === 'price_violation') entry.violations += incident.breaches;
    if (incident.rule === 'unauthorized_region') entry.diverted += incident.breaches;
    counts.set(key, entry);
  }
  const stores = config.channels
    .flatMap((channel) => [...storeTotals(input.stores.get(channel.id), span.from, to)].map(([storeId, t]) => ({ channel, storeId, t })))
    .filter(({ t }) => t.orders > 0n || t.refundCount > 0n)
    .sort((a, b) => (b.t.gmv > a.t.gmv ? 1 : b.t.gmv < a.t.gmv ? -1 : 0) || compareText(a.channel.id, b.channel.id) || compareText(a.storeId, b.storeId))
    .map(({ channel, storeId, t }, i) => {
      const c = counts.get(`${channel.id}\u0000${storeId}`);
      return {
        rank: i + 1,
        channelId: channel.id,
        storeId,
        currency: channel.currency,
        gmv: nonNegative(t.gmv, channel.currency),
        orders: Number(t.orders),
        aov: moneyPer(t.gmv, t.orders, channel.currency),
        refunds: nonNegative(t.refunds, channel.currency),
        refundRate: round(kpisOf(t).refundRate),
        violations: c?.violations ?? 0,
        divertedOrders: c?.diverted ?? 0,
      };
    });

  const review: ReviewPublishedDetail = {
    reviewId: reviewIdOf(span),
    period: span.period,
    from: span.from,
    to,
    days,
    complete: to === span.to,
    revision: input.revision ?? 0,
    previous: { from: previous.from, to: previousTo, days: daysInclusive(previous.from, previousTo) },
    timezone: config.timezone,
    locale: config.locale,
    generatedAt: iso(input.atMs),
    channels: channels.map(({ _gmv, ...c }) => c),
    movers,
    incidents: incidents.length > MAX_INCIDENTS ? [...incidents].sort(byMoneyAtRisk).slice(0, MAX_INCIDENTS).sort(byRaise) : incidents,
    incidentsTotal: incidents.length,
    proposals,
    stores: stores.slice(0, MAX_STORES),
    storesTotal: stores.length,
    summary: '-',
  };
  return { ...review, summary: reviewSummary(review, config.locale) };
}

/**
 * Whether two reviews of one period say the same: the figures (channels, movers, stores, end day) and what the
 * rectification log records of each incident (state, resolution, who took it on, their note). A late event, a
 * restated report or an incident resolved after the review changes it, and only then is a revision worth publishing.
 */
export function sameFigures(a: ReviewPublishedDetail, b: ReviewPublishedDetail): boolean {
  const figures = (r: ReviewPublishedDetail) =>
    JSON.stringify([r.channels, r.movers, r.stores, r.to, r.incidents.map((i) => [i.alertId, i.status, i.resolvedAt, i.acknowledgedBy, i.note])]);
  return figures(a) === figures(b);
}

/**
 * What an approved proposal realised: the moved channels' GMV per day over the whole days it was in force inside the
 * review (from the day after approval), against their GMV per day over the days it was computed from — and, beside
 * that plain change, what the move can be credited with, by the one measure the proposal's own review uses
 * ({@link outcomeOf}: against the unmoved channels of its currency). A festival lifts every channel; shown alone, the
 * plain change would credit the move with it.
 */
function realisedOf(
  p: ProposalRecord,
  channelsOfCurrency: readonly string[],
  days: ReadonlyMap<string, ReadonlyMap<string, Totals>>,
  to: string,
  timezone: string,
  atMs: number,
) {
  const first = addDays(bucketOf((p.decision as { atMs: number }).atMs, timezone).day, 1);
  if (first > to) return undefined;
  const moved = p.detail.budgets.map((b) => b.channelId);
  const sum = (from: string, until: string) => moved.reduce((s, id) => s + sumDays(days.get(id), from, until).gmv, 0n);
  const n = daysInclusive(first, to);
  const before = sum(p.detail.basis.from, p.detail.basis.to) / BigInt(p.detail.basis.days);
  const after = sum(first, to) / BigInt(n);
  return {
    days: n,
    gmvPerDayBefore: formatMoney(before < 0n ? 0n : before, p.currency),
    gmvPerDayAfter: formatMoney(after < 0n ? 0n : after, p.currency),
    change: formatMoney(after - before, p.currency),
    attributed: outcomeOf(p, channelsOfCurrency, days, { from: first, to, days: n }, atMs).realised,
  };
}
