/**
 * Budget reallocation: from each channel's daily (spend, GMV) points, a diminishing-returns response curve, the
 * marginal ROI at the current budget, and the moves of daily budget from low to high marginal ROI that the
 * constraints of SPEC §5 allow. Pure and deterministic: the same inputs give the same plan, to the minor unit.
 *
 * The model (after Robyn's and Meridian's allocators, reduced to what two weeks of daily points can carry):
 * GMV = a·spend^b per channel, fitted by least squares on logarithms, with the elasticity b clamped to
 * [{@link MIN_ELASTICITY}, 1] — returns never grow with spend and never vanish. Where spend hardly varied the slope
 * cannot be learned, and the curve is pinned through the channel's average point with b = {@link FALLBACK_ELASTICITY}
 * (the proposal says so). Under concave curves the GMV-maximising split of a fixed total equalises marginal ROI
 * across the channels that are not at a bound; it is found by bisection on that common marginal ROI (λ).
 */
import { fnv1a64 } from '../hash.ts';
import { mulberry32 } from '../random.ts';

export const MIN_ELASTICITY = 0.05;
/** The elasticity assumed when spend did not vary enough to learn one: a square-root response. */
export const FALLBACK_ELASTICITY = 0.5;
/** Spend must vary by at least this much (standard deviation of ln spend, ≈ 10 %) for the slope to be fitted. */
export const MIN_LOG_SPREAD = 0.1;
/** Bootstrap resamples for the expected gain's range, and the percentiles that bound it. */
export const BOOTSTRAP_SAMPLES = 200;
export const RANGE_PERCENTILES = [0.05, 0.95] as const;

export interface DayPoint {
  readonly day: string;
  /** Minor units. */
  readonly spend: bigint;
  /** Minor units. */
  readonly gmv: bigint;
}

export interface ChannelInput {
  readonly channelId: string;
  /** The current daily budget, minor units. */
  readonly budget: bigint;
  /** Complete business days of the basis window (promotion days already left out by the caller). */
  readonly days: readonly DayPoint[];
  /** A firing feed_stale: its figures cannot be trusted, so it is left alone. */
  readonly stale: boolean;
}

export interface ReallocationSettings {
  readonly minDays: number;
  readonly maxShiftPct: number;
  /** Minor units of the plan's currency. */
  readonly minDailyBudget: bigint;
  /** No proposal when the expected daily GMV gain is below this share (%) of the modelled daily GMV. */
  readonly minGainPct: number;
  /** Budgets move in whole multiples of this (minor units): one major unit, so finance reads round figures. */
  readonly quantum: bigint;
}

export type ResponseModel =
  | { readonly kind: 'log-log'; readonly a: number; readonly b: number; readonly r2: number; readonly fittedB: number }
  | { readonly kind: 'fallback'; readonly a: number; readonly b: number; readonly why: string };

export interface ChannelAssessment {
  readonly channelId: string;
  readonly decision: 'gives' | 'receives' | 'unchanged' | 'left_alone';
  /** Why a channel was left alone, in plain words. */
  readonly why?: string;
  /** Days with both spend and GMV the figures rest on. */
  readonly days: number;
  readonly model?: ResponseModel;
  /** Mean daily spend and GMV over those days (minor units). */
  readonly meanSpend: bigint;
  readonly meanGmv: bigint;
  readonly averageRoi: number | null;
  /** dGMV/dspend at the current budget, from the model. */
  readonly marginalRoi: number | null;
  /** dGMV/dspend at the proposed budget. */
  readonly marginalRoiAfter: number | null;
  readonly before: bigint;
  readonly after: bigint;
  readonly lowerBound: bigint;
  readonly upperBound: bigint;
}

export interface Move {
  readonly fromChannelId: string;
  readonly toChannelId: string;
  readonly amount: bigint;
}

export interface Plan {
  readonly channels: readonly ChannelAssessment[];
  readonly moves: readonly Move[];
  /** Expected daily GMV gain (minor units) with a bootstrap range over the days. */
  readonly gain: { readonly expected: bigint; readonly low: bigint; readonly high: bigint };
  /** Modelled daily GMV of the included channels at their current budgets (minor units). */
  readonly modelledGmv: bigint;
  /** Why there is nothing to propose, when there is not. */
  readonly noProposal?: string;
}

/**
 * Fits GMV = a·spend^b on the days that have both spend and GMV. Least squares on logarithms when ln spend spreads
 * by at least {@link MIN_LOG_SPREAD}; otherwise the fallback through the average point. Invariant: 0 < b ≤ 1 and the
 * curve passes through the geometric mean point, so it never promises more than the data at the spend it saw.
 */
export function fitResponse(points: readonly DayPoint[]): ResponseModel | undefined {
  const usable = points.filter((p) => p.spend > 0n && p.gmv > 0n);
  if (usable.length === 0) return undefined;
  const u = usable.map((p) => Math.log(Number(p.spend)));
  const v = usable.map((p) => Math.log(Number(p.gmv)));
  const mu = mean(u);
  const mv = mean(v);
  const varU = mean(u.map((x) => (x - mu) ** 2));
  if (Math.sqrt(varU) < MIN_LOG_SPREAD || usable.length < 3) {
    const b = FALLBACK_ELASTICITY;
    return {
      kind: 'fallback',
      b,
      a: Math.exp(mv - b * mu),
      why: `spend hardly varied (its day-to-day spread is under ${Math.round(MIN_LOG_SPREAD * 100)} %), so the slope was assumed, not learned`,
    };
  }
  const cov = mean(u.map((x, i) => (x - mu) * ((v[i] as number) - mv)));
  const fittedB = cov / varU;
  const b = Math.min(1, Math.max(MIN_ELASTICITY, fittedB));
  const a = Math.exp(mv - b * mu);
  const ssTot = v.reduce((s, y) => s + (y - mv) ** 2, 0);
  const ssRes = v.reduce((s, y, i) => s + (y - (Math.log(a) + b * (u[i] as number))) ** 2, 0);
  return { kind: 'log-log', a, b, fittedB, r2: ssTot === 0 ? 1 : Math.max(0, 1 - ssRes / ssTot) };
}

/** Modelled daily GMV at a daily spend (both minor units, as numbers). */
export const responseAt = (m: ResponseModel, spend: number): number => (spend <= 0 ? 0 : m.a * spend ** m.b);
/** Marginal ROI dGMV/dspend at a daily spend. */
export const marginalAt = (m: ResponseModel, spend: number): number => m.a * m.b * Math.max(spend, 1) ** (m.b - 1);

/** The spend at which a channel's marginal ROI equals λ, within its bounds (decreasing in λ). */
function spendAt(m: ResponseModel, lambda: number, lo: number, hi: number, budget: number): number {
  if (m.b >= 1) return m.a > lambda ? hi : m.a < lambda ? lo : budget;
  const x = (lambda / (m.a * m.b)) ** (1 / (m.b - 1));
  return Math.min(hi, Math.max(lo, x));
}

/** What a channel's assessment says whatever the plan: its data and averages, with its budget as before and after. */
type AssessmentBase = Omit<ChannelAssessment, 'decision' | 'why' | 'model' | 'marginalRoi' | 'marginalRoiAfter'>;

interface Eligible {
  readonly input: ChannelInput;
  readonly base: AssessmentBase;
  readonly model: ResponseModel;
  readonly lo: bigint;
  readonly hi: bigint;
}

/**
 * The reallocation plan for channels that share one currency. Invariants (property-tested): the budgets' total is
 * conserved to the minor unit; every channel stays within ±maxShiftPct of its budget and at or above minDailyBudget
 * (a channel already below it only receives); channels with fewer than minDays usable days or a firing feed_stale
 * are left unchanged; every move goes from a lower to a strictly higher marginal ROI; and there are no moves when
 * the expected gain is negligible or the lower end of its range is not above zero.
 */
export function planReallocation(inputs: readonly ChannelInput[], settings: ReallocationSettings): Plan {
  const assessments = new Map<string, ChannelAssessment>();
  const eligible: Eligible[] = [];
  for (const input of inputs) {
    const usable = input.days.filter((d) => d.spend > 0n && d.gmv > 0n);
    const meanSpend = usable.length ? usable.reduce((s, d) => s + d.spend, 0n) / BigInt(usable.length) : 0n;
    const meanGmv = usable.length ? usable.reduce((s, d) => s + d.gmv, 0n) / BigInt(usable.length) : 0n;
    const base: AssessmentBase = {
      channelId: input.channelId,
      days: usable.length,
      meanSpend,
      meanGmv,
      averageRoi: meanSpend > 0n ? Number(meanGmv) / Number(meanSpend) : null,
      before: input.budget,
      after: input.budget,
      lowerBound: input.budget,
      upperBound: input.budget,
    };
    const leftAlone = (why: string, model?: ResponseModel) =>
      assessments.set(input.channelId, {
        ...base,
        decision: 'left_alone',
        why,
        marginalRoi: model ? marginalAt(model, Number(input.budget)) : null,
        marginalRoiAfter: null,
        ...(model ? { model } : {}),
      });
    const model = fitResponse(input.days);
    if (input.stale) leftAlone('its feed is stale (feed_stale is firing), so its figures cannot be trusted', model);
    else if (usable.length < settings.minDays)
      leftAlone(`only ${usable.length} day(s) with both spend and sales in the window; ${settings.minDays} needed`, model);
    else if (input.budget <= 0n) leftAlone('it has no daily budget to move', model);
    else if (!model) leftAlone('no usable days', model);
    else {
      const shift = (input.budget * BigInt(Math.round(settings.maxShiftPct * 100))) / 10_000n;
      const floor = input.budget - shift > settings.minDailyBudget ? input.budget - shift : settings.minDailyBudget;
      eligible.push({ input, base, model, lo: floor < input.budget ? floor : input.budget, hi: input.budget + shift });
    }
  }

  const targets = optimise(eligible);
  const deltas = roundConserving(eligible, targets, settings.quantum);
  const after = new Map(eligible.map((e, i) => [e.input.channelId, e.input.budget + (deltas[i] as bigint)]));
  const modelled = eligible.reduce((s, e) => s + responseAt(e.model, Number(e.input.budget)), 0);
  const expected = eligible.reduce((s, e) => s + responseAt(e.model, Number(after.get(e.input.channelId))) - responseAt(e.model, Number(e.input.budget)), 0);
  const negligible = expected < (modelled * settings.minGainPct) / 100 || deltas.every((d) => d === 0n);
  const noProposal =
    eligible.length < 2
      ? `${eligible.length} channel(s) qualify; a move needs two`
      : negligible
        ? `the expected gain (${Math.round(expected)} minor units a day) is below ${settings.minGainPct} % of the modelled daily GMV: marginal ROIs are already close`
        : undefined;

  for (const [i, e] of eligible.entries()) {
    const delta = noProposal ? 0n : (deltas[i] as bigint);
    const next = e.input.budget + delta;
    assessments.set(e.input.channelId, {
      ...e.base,
      decision: delta < 0n ? 'gives' : delta > 0n ? 'receives' : 'unchanged',
      model: e.model,
      marginalRoi: marginalAt(e.model, Number(e.input.budget)),
      marginalRoiAfter: marginalAt(e.model, Number(next)),
      after: next,
      lowerBound: e.lo,
      upperBound: e.hi,
    });
  }
  const channels = inputs.map((i) => assessments.get(i.channelId) as ChannelAssessment);
  if (noProposal) return { channels, moves: [], gain: { expected: 0n, low: 0n, high: 0n }, modelledGmv: BigInt(Math.round(modelled)), noProposal };

  const finalAfter = new Map(channels.map((c) => [c.channelId, c.after]));
  const { low, high } = bootstrapGain(eligible, finalAfter);
  const point = BigInt(Math.round(expected));
  // A move whose plausible outcomes include losing GMV is not one finance can act on: no proposal (issue 13).
  if (low <= 0n) {
    const unchanged = channels.map((c) =>
      c.decision === 'left_alone' ? c : { ...c, decision: 'unchanged' as const, after: c.before, marginalRoiAfter: c.marginalRoi },
    );
    return {
      channels: unchanged,
      moves: [],
      gain: { expected: 0n, low: 0n, high: 0n },
      modelledGmv: BigInt(Math.round(modelled)),
      noProposal: `the gain's 90 % range reaches down to ${low} minor units a day (expected ${point}): the days seen cannot tell that moving budget pays`,
    };
  }
  return {
    channels,
    moves: movesOf(channels),
    gain: { expected: point, low: low < point ? low : point, high: high > point ? high : point },
    modelledGmv: BigInt(Math.round(modelled)),
  };
}

/** Continuous optimum: the spend per channel where marginal ROIs meet (λ by bisection so the total is kept). */
function optimise(eligible: readonly Eligible[]): number[] {
  if (eligible.length < 2) return eligible.map((e) => Number(e.input.budget));
  const total = eligible.reduce((s, e) => s + Number(e.input.budget), 0);
  const at = (lambda: number) => eligible.map((e) => spendAt(e.model, lambda, Number(e.lo), Number(e.hi), Number(e.input.budget)));
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  const marginals = eligible.flatMap((e) => [marginalAt(e.model, Number(e.lo)), marginalAt(e.model, Number(e.hi)), e.model.a]);
  let lo = Math.log(Math.max(1e-12, Math.min(...marginals) / 2));
  let hi = Math.log(Math.max(...marginals) * 2);
  for (let k = 0; k < 200; k++) {
    const mid = (lo + hi) / 2;
    // Spend falls as λ rises: too much spend means λ is too low.
    if (sum(at(Math.exp(mid))) > total) lo = mid;
    else hi = mid;
  }
  return at(Math.exp((lo + hi) / 2));
}

/**
 * Whole-quantum changes that sum to exactly zero: each channel's change is rounded toward zero (so no bound is ever
 * crossed), then the side that came out larger gives back quanta, largest changes first, until the two sides meet.
 */
function roundConserving(eligible: readonly Eligible[], targets: readonly number[], quantum: bigint): bigint[] {
  const deltas = eligible.map((e, i) => {
    const raw = (targets[i] as number) - Number(e.input.budget);
    const steps = BigInt(Math.trunc(raw / Number(quantum)));
    let d = steps * quantum;
    // Floating point must never push a change past its bound.
    if (e.input.budget + d > e.hi) d -= quantum;
    if (e.input.budget + d < e.lo) d += quantum;
    return d;
  });
  let sum = deltas.reduce((s, d) => s + d, 0n);
  while (sum !== 0n) {
    const sign = sum > 0n ? 1n : -1n;
    let best = -1;
    for (const [i, d] of deltas.entries()) if (d * sign > 0n && (best < 0 || d * sign > (deltas[best] as bigint) * sign)) best = i;
    if (best < 0) break;
    deltas[best] = (deltas[best] as bigint) - sign * quantum;
    sum -= sign * quantum;
  }
  return deltas;
}

/** Pairs givers (lowest marginal ROI first) with receivers (highest first); the amounts sum to what moves. */
function movesOf(channels: readonly ChannelAssessment[]): Move[] {
  const roi = (c: ChannelAssessment) => c.marginalRoi ?? 0;
  const givers = channels
    .filter((c) => c.decision === 'gives')
    .sort((x, y) => roi(x) - roi(y) || x.channelId.localeCompare(y.channelId))
    .map((c) => ({ id: c.channelId, left: c.before - c.after }));
  const receivers = channels
    .filter((c) => c.decision === 'receives')
    .sort((x, y) => roi(y) - roi(x) || x.channelId.localeCompare(y.channelId))
    .map((c) => ({ id: c.channelId, left: c.after - c.before }));
  const moves: Move[] = [];
  let g = 0;
  let r = 0;
  while (g < givers.length && r < receivers.length) {
    const giver = givers[g] as { id: string; left: bigint };
    const receiver = receivers[r] as { id: string; left: bigint };
    const amount = giver.left < receiver.left ? giver.left : receiver.left;
    moves.push({ fromChannelId: giver.id, toChannelId: receiver.id, amount });
    giver.left -= amount;
    receiver.left -= amount;
    if (giver.left === 0n) g += 1;
    if (receiver.left === 0n) r += 1;
  }
  return moves;
}

/**
 * The gain's range: the same budgets judged under curves refitted on days resampled with replacement (a seeded
 * generator, so the range is reproducible). What it measures is how much the gain rests on which days were seen.
 */
function bootstrapGain(eligible: readonly Eligible[], after: ReadonlyMap<string, bigint>): { low: bigint; high: bigint } {
  const seed = Number.parseInt(
    fnv1a64(eligible.map((e) => `${e.input.channelId}:${e.input.budget}:${e.input.days.map((d) => `${d.spend}/${d.gmv}`).join(',')}`).join(';')).slice(-8),
    36,
  );
  const random = mulberry32(seed);
  const gains: number[] = [];
  for (let s = 0; s < BOOTSTRAP_SAMPLES; s++) {
    let gain = 0;
    for (const e of eligible) {
      const usable = e.input.days.filter((d) => d.spend > 0n && d.gmv > 0n);
      const sample = usable.map(() => usable[Math.floor(random() * usable.length)] as DayPoint);
      const model = fitResponse(sample) ?? e.model;
      gain += responseAt(model, Number(after.get(e.input.channelId))) - responseAt(model, Number(e.input.budget));
    }
    gains.push(gain);
  }
  gains.sort((x, y) => x - y);
  const pick = (p: number) => BigInt(Math.round(gains[Math.min(gains.length - 1, Math.floor(p * gains.length))] as number));
  return { low: pick(RANGE_PERCENTILES[0]), high: pick(RANGE_PERCENTILES[1]) };
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
