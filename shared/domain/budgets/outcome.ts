/**
 * Closing the loop: what an approved proposal did once it had been in force, against what it promised — and the
 * running calibration that makes later promises more modest where earlier ones missed. Pure: the use case brings
 * the day totals and the time.
 */
import type { BudgetReallocationReviewedDetail } from '../../../events/outbound.ts';
import { formatMoney, parseMoney } from '../../kernel/money.ts';
import { addDays, daysInclusive } from '../../kernel/time.ts';
import type { Totals } from '../aggregation.ts';
import type { ProposalRecord } from './proposal.ts';

/** Business days a proposal is in force before it is reviewed (configurable: `reallocation.reviewAfterDays`). */
export const DEFAULT_REVIEW_AFTER_DAYS = 7;

/** The whole business days an approval on `approvalDay` is in force before its review: the next `days` days. */
export function reviewWindow(approvalDay: string, days: number): { from: string; to: string; days: number } {
  return { from: addDays(approvalDay, 1), to: addDays(approvalDay, days), days };
}

/**
 * GMV per day over `[from, to]`: over the days with data in the basis (a history younger than the lookback is not a
 * run of zero days), over every day of the window in force (a day without sales there is a day without sales).
 */
function gmvPerDay(days: ReadonlyMap<string, Totals> | undefined, from: string, to: string, over: 'days with data' | 'every day'): number {
  let sum = 0n;
  let counted = 0;
  for (const [day, t] of days ?? [])
    if (day >= from && day <= to && t.events > 0n) {
      sum += t.gmv;
      counted += 1;
    }
  const n = over === 'every day' ? daysInclusive(from, to) : counted;
  return n === 0 ? 0 : Number(sum) / n;
}

/**
 * The review of an approved proposal over `window`. The realised gain is the moved channels' GMV per day in force
 * less what they would have made without the move — their basis GMV per day scaled by how the unmoved channels of
 * the same currency changed meanwhile (a difference in differences: a festival or a slow week moves every channel,
 * the move only the moved ones). Without unmoved channels (or with no GMV in them), the plain before/after change.
 * Invariants: figures in the proposal's currency, rounded half away from zero to its minor unit; `withinRange` is
 * exactly low ≤ realised ≤ high.
 */
export function outcomeOf(
  record: ProposalRecord,
  channelsOfCurrency: readonly string[],
  days: ReadonlyMap<string, ReadonlyMap<string, Totals>>,
  window: { from: string; to: string; days: number },
  atMs: number,
): Omit<BudgetReallocationReviewedDetail, 'calibration' | 'summary'> {
  const basis = record.detail.basis;
  const basisFrom = basis.from;
  const basisTo = basis.to;
  const moved = record.detail.budgets.map((b) => b.channelId);
  const control = channelsOfCurrency.filter((c) => !moved.includes(c)).sort();
  const controlBefore = control.reduce((s, c) => s + gmvPerDay(days.get(c), basisFrom, basisTo, 'days with data'), 0);
  const controlAfter = control.reduce((s, c) => s + gmvPerDay(days.get(c), window.from, window.to, 'every day'), 0);
  const useControl = control.length > 0 && controlBefore > 0;
  const factor = useControl ? controlAfter / controlBefore : 1;
  // Half away from zero (Math.round alone rounds −0.5 up, toward zero).
  const money = (minorUnits: number) => formatMoney(BigInt(Math.sign(minorUnits) * Math.round(Math.abs(minorUnits))), record.currency);
  let realised = 0;
  const channels = record.detail.budgets.map((b) => {
    const before = gmvPerDay(days.get(b.channelId), basisFrom, basisTo, 'days with data');
    const after = gmvPerDay(days.get(b.channelId), window.from, window.to, 'every day');
    const change = after - before * factor;
    realised += change;
    const receives = Number(b.after) > Number(b.before);
    return {
      channelId: b.channelId,
      budgetBefore: b.before,
      budgetAfter: b.after,
      gmvPerDayBefore: money(before),
      gmvPerDayAfter: money(after),
      change: money(change),
      movedAsExpected: receives ? change >= 0 : change <= 0,
    };
  });
  const realisedText = money(realised);
  const minor = (text: string) => {
    const parsed = parseMoney(text.replace(/^-/, ''), record.currency);
    const value = parsed.ok ? parsed.minor : 0n;
    return text.startsWith('-') ? -value : value;
  };
  const gain = record.detail.expectedGain;
  const r = minor(realisedText);
  return {
    proposalId: record.id,
    reviewedAt: new Date(atMs).toISOString(),
    approvedAt: new Date(record.decision?.atMs ?? atMs).toISOString(),
    currency: record.currency,
    window,
    basis: { from: basisFrom, to: basisTo, days: basis.days },
    predicted: gain,
    realised: {
      amount: realisedText,
      per: 'day',
      method: useControl ? 'against_unmoved_channels' : 'before_after',
      control: useControl ? control : [],
      controlChange: useControl ? Math.round((factor - 1) * 10_000) / 10_000 : null,
    },
    withinRange: r >= minor(gain.low) && r <= minor(gain.high),
    channels,
  };
}

export interface ChannelCalibration {
  readonly channelId: string;
  /** Reviewed proposals that moved the channel. */
  readonly reviews: number;
  /** Of those, how many realised inside their predicted range. */
  readonly withinRange: number;
  readonly share: number;
}

/** Per channel, how often the reviewed proposals that moved it realised inside their range. */
export function calibrationOf(outcomes: readonly Pick<BudgetReallocationReviewedDetail, 'channels' | 'withinRange'>[]): Map<string, ChannelCalibration> {
  const out = new Map<string, { reviews: number; withinRange: number }>();
  for (const o of outcomes)
    for (const c of o.channels) {
      const entry = out.get(c.channelId) ?? { reviews: 0, withinRange: 0 };
      entry.reviews += 1;
      if (o.withinRange) entry.withinRange += 1;
      out.set(c.channelId, entry);
    }
  return new Map([...out].map(([channelId, e]) => [channelId, { channelId, ...e, share: Math.round((e.withinRange / e.reviews) * 10_000) / 10_000 }]));
}

/** The share of reviewed ranges that should hold the truth: the stated range is a 90 % one. */
const TARGET_COVERAGE = 0.9;
/** Reviews of a channel before its record widens anything: one miss out of one says little. */
const MIN_REVIEWS = 2;
/** A range is widened at most threefold: past misses make a forecast humbler, not meaningless. */
const MAX_WIDENING = 3;

/**
 * How much wider a new proposal's range must be, given the calibration of the channels it moves: the worst of them
 * with at least two reviews, 90 % ÷ its share inside (at most ×3), or 1 when every one held its ranges ~90 % of the
 * time. Which channels widened it, so the proposal can say why.
 */
export function rangeWidening(
  moved: readonly string[],
  calibration: ReadonlyMap<string, ChannelCalibration>,
): { factor: number; channels: ChannelCalibration[] } {
  const judged = moved.map((c) => calibration.get(c)).filter((c): c is ChannelCalibration => c !== undefined && c.reviews >= MIN_REVIEWS);
  const missing = judged.filter((c) => c.share < TARGET_COVERAGE);
  if (missing.length === 0) return { factor: 1, channels: [] };
  const worst = Math.min(...missing.map((c) => c.share));
  return { factor: Math.min(MAX_WIDENING, TARGET_COVERAGE / Math.max(worst, TARGET_COVERAGE / MAX_WIDENING)), channels: missing };
}
