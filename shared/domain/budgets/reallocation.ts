/**
 * Budget reallocation: from each channel's daily (spend, GMV) points, a diminishing-returns response curve, the
 * marginal ROI at the current budget, and the moves of daily budget from low to high marginal ROI that the
 * constraints of SPEC §5 allow. Pure and deterministic: the same inputs give the same plan, to the minor unit.
 *
 * Two curve families are fitted per channel, both on logarithms (daily noise is multiplicative): the power law
 * GMV = a·spend^b (constant elasticity b in [{@link MIN_ELASTICITY}, 1], its slope weighed against a prior of
 * {@link FALLBACK_ELASTICITY} ± {@link ELASTICITY_PRIOR_SD}) and a saturating curve GMV = β·tanh(λ·spend/2)
 * (PyMC-Marketing's logistic saturation; elasticity falls as spend grows), with λ bounded and its elasticity at the
 * days' geometric mean weighed against the same prior, so noise alone turns it neither linear nor flat within the
 * data. The power law is kept unless the saturating curve's leave-one-day-out error is
 * clearly lower ({@link SATURATING_MARGIN}). Where spend hardly
 * varied no slope can be learned: the channel is left alone and a spend test is suggested instead of assuming one.
 * A channel never moves beyond the spend range its days cover, nor beyond ±maxShiftPct.
 *
 * Under concave curves the GMV-maximising split of a fixed total equalises marginal ROI across the channels not at
 * a bound; it is found by bisection on that common marginal ROI (λ). Honesty about the data: the plan is re-made
 * under {@link BOOTSTRAP_SAMPLES} curves the days allow — a power-law channel's drawn from its posterior, a saturating
 * one's refitted on resampled days; a channel moves only when at least {@link MIN_DIRECTION_CONFIDENCE}
 * of the re-made plans move it the same way, and only as far as half of them reach (the bagged plan); the gain stated
 * is the median of the proposed budgets judged under those curves, its range the 5th–95th percentiles of that and of
 * as many judgements under curves refitted on resampled days with both families competing (so a move that pays only
 * if the curve bends as a power law does is seen as risky) — no proposal when the range's lower end is not above zero.
 */
import { fnv1a64 } from '../hash.ts';
import { mulberry32, standardNormal } from '../random.ts';

export const MIN_ELASTICITY = 0.05;
/** The elasticity assumed when spend did not vary enough to learn one: a square-root response. */
export const FALLBACK_ELASTICITY = 0.5;
/**
 * What a power-law slope is believed to be before the days are seen: {@link FALLBACK_ELASTICITY} give or take this
 * (one standard deviation). Days that pin the slope down (low noise, spend that varied) outweigh it; noisy days are
 * pulled toward it, so a slope of 0.05 or 1.0 read from 14 noisy days no longer moves money on its own.
 */
export const ELASTICITY_PRIOR_SD = 0.2;
/** Spend must vary by at least this much (standard deviation of ln spend, ≈ 10 %) for the slope to be fitted. */
export const MIN_LOG_SPREAD = 0.1;
/** Bootstrap resamples for the direction confidence and the expected gain's range, and the percentiles that bound it. */
export const BOOTSTRAP_SAMPLES = 200;
/**
 * A channel moves only when this share of the plans re-made under the curves its days allow moves it the same way.
 * Benchmarked against 0.95 with the posterior draws: fewer losing proposals at 15 % noise and 4–6 points more of the
 * achievable gain at 5 % — each channel left alone shifts the others' common marginal ROI (BENCHMARKS.md).
 */
export const MIN_DIRECTION_CONFIDENCE = 0.9;
/**
 * How far a channel the re-made plans agree on moves: as far as this share of them reach at least (0.5: the median
 * re-made plan, i.e. the bagged plan). Benchmarked against 0.05 (as far as nearly all of them reach): the median
 * captures 11–23 points more of the achievable gain at 5 % noise with as few losing proposals (BENCHMARKS.md).
 */
export const MOVE_QUANTILE = 0.5;
/** The saturating curve's λ·(geometric mean spend) is kept within these: nearly linear to well saturated. */
export const SATURATION_RANGE = [0.1, 6] as const;
/** A suggested spend test varies the daily budget by this share either side (within maxShiftPct) for this many days. */
export const SPEND_TEST_PCT = 15;
/**
 * The saturating curve replaces the power law only when its leave-one-day-out error is below this share of it.
 * Benchmarked against 0.9 (200 worlds per row, 95 % direction confidence): 18 losing proposals of 273 at 15 % noise
 * instead of 26 of 352 — the saturating curve wins on noise there —, the same at 5 %.
 */
export const SATURATING_MARGIN = 0.8;
export const SPEND_TEST_DAYS = 7;
/**
 * The largest chance of a loss a proposal may carry unless finance asks for less (`reallocation.lossRiskPct`): the
 * gain range's low end is its percentile, so a looser setting would make proposals whose own range reaches below zero.
 */
export const MAX_LOSS_RISK_PCT = 5;
export const RANGE_PERCENTILES = [MAX_LOSS_RISK_PCT / 100, 1 - MAX_LOSS_RISK_PCT / 100] as const;
/** The standard normal's 95th percentile: a 90 % range spans 2 × this many standard deviations. */
export const Z95 = 1.6449;

/**
 * The gain to state for an estimate that was proposed *because* its range cleared zero. Among the proposals made,
 * an estimate near its own noise is the one most likely flattered by having cleared it (the winner's curse of the
 * decision, apart from the optimiser's curse the re-made plans already remove): the estimate is shrunk toward zero by
 * its noise share, `k = 1 − (sd / estimate)²` with sd read from the 90 % range (the positive-part James–Stein factor
 * for one effect). Invariants: 0 ≤ result ≤ estimate; a range narrow beside the estimate leaves it almost whole;
 * never below the range's low end (it stays a figure inside the range it is published with).
 */
export function selectionShrunk(estimate: number, low: number, high: number): number {
  if (estimate <= 0 || high <= low) return Math.max(estimate, low);
  const sd = (high - low) / (2 * Z95);
  const k = Math.max(0, 1 - (sd / estimate) ** 2);
  return Math.max(low, estimate * k);
}

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
  /**
   * The largest chance (%) of losing GMV a proposal may carry (default and most: 5, the 90 % range's low end): no
   * proposal when this percentile of the gain, over the curves the days allow, is not above zero.
   */
  readonly lossRiskPct?: number;
}

/**
 * A channel's response curve. `b` is the elasticity (d ln GMV / d ln spend) at the spend it was fitted around;
 * `looError` the mean squared leave-one-day-out error in log GMV it was chosen by.
 */
export type ResponseModel =
  | { readonly kind: 'log-log'; readonly a: number; readonly b: number; readonly r2: number; readonly fittedB: number; readonly looError?: number }
  | { readonly kind: 'saturating'; readonly beta: number; readonly lambda: number; readonly b: number; readonly r2: number; readonly looError?: number }
  | { readonly kind: 'fallback'; readonly a: number; readonly b: number; readonly why: string };

/** A bounded experiment that would let the next fit learn a channel's curve: finance approves it like a move. */
export interface SpendTest {
  readonly channelId: string;
  /** Daily budgets to alternate between (minor units), within maxShiftPct of the budget. */
  readonly low: bigint;
  readonly high: bigint;
  readonly days: number;
}

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
  /** Share of the plans re-made under the curves the days allow that move this channel the way the proposal does (moved channels). */
  readonly directionConfidence?: number;
  /** The lowest and highest daily spend of its days (minor units): moves never leave this range. */
  readonly spendRange?: { readonly min: bigint; readonly max: bigint };
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
  /**
   * Expected daily GMV gain (minor units) with a bootstrap range over the days; `median` is the middle of the curves'
   * judgements, `expected` that shrunk for the proposal having been made at all ({@link selectionShrunk}).
   */
  readonly gain: { readonly expected: bigint; readonly low: bigint; readonly high: bigint; readonly median?: bigint };
  /** Modelled daily GMV of the included channels at their current budgets (minor units). */
  readonly modelledGmv: bigint;
  /** Why there is nothing to propose, when there is not. */
  readonly noProposal?: string;
  /** Channels whose curve the data cannot tell, with the spend test that would (finance may approve it). */
  readonly spendTests: readonly SpendTest[];
  /**
   * A plan held back only by its range (its low end at or below zero, or the accepted loss risk): the budgets it would
   * have set and the gain's range under the same judgements. A proposal is made only where the range clears zero, so
   * the range's calibration can be judged honestly only over every plan that reached that test, this one included.
   */
  readonly withheld?: {
    readonly budgets: readonly { readonly channelId: string; readonly after: bigint }[];
    readonly gain: { readonly median: bigint; readonly low: bigint; readonly high: bigint };
  };
}

const usableDays = (points: readonly DayPoint[]) => points.filter((p) => p.spend > 0n && p.gmv > 0n);

/**
 * What the days say about a power law on logarithms: the least-squares slope, Sxx (the slope's precision is
 * Sxx / σ²) and the residual variance on n − 2 degrees of freedom (infinite below three days).
 */
function powerEvidence(u: readonly number[], v: readonly number[]) {
  const mu = mean(u);
  const mv = mean(v);
  const sxx = u.reduce((s, x) => s + (x - mu) ** 2, 0);
  const sxy = u.reduce((s, x, i) => s + (x - mu) * ((v[i] as number) - mv), 0);
  const slope = sxx > 0 ? sxy / sxx : FALLBACK_ELASTICITY;
  const sse = v.reduce((s, y, i) => s + (y - mv - slope * ((u[i] as number) - mu)) ** 2, 0);
  const residualVariance = u.length > 2 ? Math.max(1e-8, sse / (u.length - 2)) : Number.POSITIVE_INFINITY;
  return { n: u.length, mu, mv, sxx, slope, residualVariance };
}

/** The elasticity prior's precision, 1 / {@link ELASTICITY_PRIOR_SD}². */
const PRIOR_PRECISION = 1 / ELASTICITY_PRIOR_SD ** 2;

/** The slope's posterior mean under the prior N({@link FALLBACK_ELASTICITY}, {@link ELASTICITY_PRIOR_SD}²). */
const posteriorSlope = (slope: number, dataPrecision: number) =>
  (slope * dataPrecision + FALLBACK_ELASTICITY * PRIOR_PRECISION) / (dataPrecision + PRIOR_PRECISION);

/**
 * The power law on logarithms: the least-squares slope (`fittedB`) weighed against the elasticity prior by their
 * precisions, then clamped into [MIN_ELASTICITY, 1]; the curve passes through the days' geometric means.
 */
function fitPower(u: readonly number[], v: readonly number[]): { a: number; b: number; fittedB: number; r2: number } {
  const { mu, mv, sxx, slope: fittedB, residualVariance } = powerEvidence(u, v);
  const b = Math.min(1, Math.max(MIN_ELASTICITY, sxx > 0 ? posteriorSlope(fittedB, sxx / residualVariance) : fittedB));
  const a = Math.exp(mv - b * mu);
  const ssTot = v.reduce((s, y) => s + (y - mv) ** 2, 0);
  const ssRes = v.reduce((s, y, i) => s + (y - (Math.log(a) + b * (u[i] as number))) ** 2, 0);
  return { a, b, fittedB, r2: ssTot === 0 ? 1 : Math.max(0, 1 - ssRes / ssTot) };
}

/** The elasticity of β·tanh(λx/2) where λx = `c`: 2z / sinh 2z with z = c / 2 (1 as c → 0, the linear limit). */
const tanhElasticity = (c: number): number => (c < 2e-6 ? 1 : c / Math.sinh(c));

/** Grid of λ·(geometric mean spend) for the saturating fit: log-spaced over {@link SATURATION_RANGE}. */
const SATURATION_GRID = Array.from({ length: 24 }, (_, i) => SATURATION_RANGE[0] * (SATURATION_RANGE[1] / SATURATION_RANGE[0]) ** (i / 23));

/**
 * β·tanh(λx/2) on logarithms, weighed against the power law's elasticity prior ({@link FALLBACK_ELASTICITY} ±
 * {@link ELASTICITY_PRIOR_SD} on the curve's elasticity at the days' geometric mean spend): λ over the bounded grid
 * minimising (n − 1)·ln SSE + ((e − prior) ÷ sd)² (the noise's variance profiled out), ln β in closed form for each.
 * Without the prior, noisy days ran the fit to the grid's ends — a curve linear through the data (elasticity ~1) or
 * flat (~0.03) — and such a fit won the leave-one-day-out contest on noise and moved money (2026-12-04: 8 of the 19
 * losing proposals at 15 % noise moved a saturating channel, 59 of the 292 made). Both families now believe the same
 * thing before the days are seen.
 */
function fitSaturating(x: readonly number[], v: readonly number[], scale: number): { beta: number; lambda: number; r2: number } {
  const mv = mean(v);
  const ssTot = v.reduce((s, y) => s + (y - mv) ** 2, 0);
  // Evaluated ~70 times per fit and fitted on every resample: one buffer, sums in index order (as `mean` adds).
  const t = new Float64Array(x.length);
  const fitAt = (c: number) => {
    const lambda = c / scale;
    let residual = 0;
    for (let i = 0; i < x.length; i++) {
      t[i] = Math.log(Math.tanh((lambda * (x[i] as number)) / 2));
      residual += (v[i] as number) - (t[i] as number);
    }
    const lnBeta = residual / x.length;
    let sse = 0;
    for (let i = 0; i < x.length; i++) sse += ((v[i] as number) - lnBeta - (t[i] as number)) ** 2;
    // The prior on the elasticity at the geometric mean spend, where λ·scale = c.
    const objective = (x.length - 1) * Math.log(Math.max(1e-300, sse)) + ((tanhElasticity(c) - FALLBACK_ELASTICITY) / ELASTICITY_PRIOR_SD) ** 2;
    return { beta: Math.exp(lnBeta), lambda, c, sse, objective };
  };
  let best = fitAt(SATURATION_GRID[0] as number);
  for (const c of SATURATION_GRID) {
    const f = fitAt(c);
    if (f.objective < best.objective) best = f;
  }
  // Golden-section refinement of ln c between the best grid point's neighbours (kept inside the range).
  const ratio = (SATURATION_GRID[1] as number) / (SATURATION_GRID[0] as number);
  let a = Math.log(Math.max(SATURATION_RANGE[0], best.c / ratio));
  let b = Math.log(Math.min(SATURATION_RANGE[1], best.c * ratio));
  const g = (Math.sqrt(5) - 1) / 2;
  for (let k = 0; k < 24; k++) {
    const m1 = b - g * (b - a);
    const m2 = a + g * (b - a);
    if (fitAt(Math.exp(m1)).objective < fitAt(Math.exp(m2)).objective) b = m2;
    else a = m1;
  }
  const refined = fitAt(Math.exp((a + b) / 2));
  if (refined.objective < best.objective) best = refined;
  return { beta: best.beta, lambda: best.lambda, r2: ssTot === 0 ? 1 : Math.max(0, 1 - best.sse / ssTot) };
}

/** Mean squared leave-one-day-out error in log GMV of a fitting procedure. */
function looError(x: readonly number[], v: readonly number[], predictWithout: (i: number) => (xi: number) => number): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += ((v[i] as number) - Math.log(Math.max(1e-300, predictWithout(i)(x[i] as number)))) ** 2;
  return sum / x.length;
}

const without = <T>(xs: readonly T[], i: number) => xs.filter((_, k) => k !== i);

/**
 * Fits a channel's curve on the days that have both spend and GMV: both families when ln spend spreads by at least
 * {@link MIN_LOG_SPREAD} over three or more days, the power law kept unless the saturating curve's leave-one-day-out
 * error is below {@link SATURATING_MARGIN} of it; otherwise the fallback through the average point (reported, never
 * planned with). `family` fits one family only, or with `either` both, keeping the closer in-sample fit (each
 * bootstrap resample: which family fits is itself uncertain). Invariants: elasticity in (0, 1]; GMV never falls as
 * spend grows.
 */
export function fitResponse(points: readonly DayPoint[], family?: 'log-log' | 'saturating' | 'either'): ResponseModel | undefined {
  const usable = usableDays(points);
  if (usable.length === 0) return undefined;
  const x = usable.map((p) => Number(p.spend));
  const u = x.map((xi) => Math.log(xi));
  const v = usable.map((p) => Math.log(Number(p.gmv)));
  const mu = mean(u);
  if (Math.sqrt(mean(u.map((ui) => (ui - mu) ** 2))) < MIN_LOG_SPREAD || usable.length < 3) {
    const b = FALLBACK_ELASTICITY;
    return {
      kind: 'fallback',
      b,
      a: Math.exp(mean(v) - b * mu),
      why: `spend hardly varied (its day-to-day spread is under ${Math.round(MIN_LOG_SPREAD * 100)} %), so its curve cannot be learned`,
    };
  }
  const scale = Math.exp(mu);
  const power = () => ({ kind: 'log-log' as const, ...fitPower(u, v) });
  const saturating = () => {
    const f = fitSaturating(x, v, scale);
    return { kind: 'saturating' as const, ...f, b: elasticityAt({ kind: 'saturating', ...f, b: 0 }, scale) };
  };
  if (family === 'log-log') return power();
  if (family === 'saturating') return saturating();
  if (family === 'either') {
    // Both families, the closer fit kept (same number of parameters): cheap enough for every bootstrap resample.
    const p = power();
    const q = saturating();
    return q.r2 > p.r2 ? q : p;
  }
  const powerLoo = looError(x, v, (i) => {
    const f = fitPower(without(u, i), without(v, i));
    return (xi) => f.a * xi ** f.b;
  });
  const saturatingLoo = looError(x, v, (i) => {
    const f = fitSaturating(without(x, i), without(v, i), scale);
    return (xi) => f.beta * Math.tanh((f.lambda * xi) / 2);
  });
  // The power law is the default; the saturating curve must predict left-out days clearly better to replace it
  // (within a few per cent the two are alike inside the data and differ only at its edges, where the plan moves).
  return saturatingLoo < SATURATING_MARGIN * powerLoo ? { ...saturating(), looError: saturatingLoo } : { ...power(), looError: powerLoo };
}

/**
 * A power-law channel's posterior (flat on the level, the elasticity prior on the slope, the noise's variance from its
 * scaled inverse χ² on n − 2 degrees of freedom), read from its days once: each call of the returned function draws one
 * curve the days allow. Used instead of refitting resampled days, whose spread understates a slope's uncertainty on 14
 * points and piles up at the clamps. Invariant: the slope stays in [MIN_ELASTICITY, 1].
 */
export function powerPosterior(points: readonly DayPoint[]): (random: () => number) => ResponseModel {
  const usable = usableDays(points);
  const { n, mu, mv, sxx, slope, residualVariance } = powerEvidence(
    usable.map((p) => Math.log(Number(p.spend))),
    usable.map((p) => Math.log(Number(p.gmv))),
  );
  return (random) => {
    const normal = () => standardNormal(random);
    let chiSquare = 0;
    for (let k = 0; k < n - 2; k++) chiSquare += normal() ** 2;
    const variance = (residualVariance * (n - 2)) / Math.max(1e-9, chiSquare);
    const dataPrecision = sxx / variance;
    const precision = dataPrecision + PRIOR_PRECISION;
    const b = Math.min(1, Math.max(MIN_ELASTICITY, posteriorSlope(slope, dataPrecision) + normal() / Math.sqrt(precision)));
    const level = mv + normal() * Math.sqrt(variance / n);
    return { kind: 'log-log', a: Math.exp(level - b * mu), b, fittedB: slope, r2: 0 };
  };
}

/** The days drawn with replacement, as many as there are: one bootstrap resample. */
const resample = (days: readonly DayPoint[], random: () => number): DayPoint[] => days.map(() => days[Math.floor(random() * days.length)] as DayPoint);

/** Modelled daily GMV at a daily spend (both minor units, as numbers). */
export const responseAt = (m: ResponseModel, spend: number): number =>
  spend <= 0 ? 0 : m.kind === 'saturating' ? m.beta * Math.tanh((m.lambda * spend) / 2) : m.a * spend ** m.b;
/** Marginal ROI dGMV/dspend at a daily spend. */
export const marginalAt = (m: ResponseModel, spend: number): number => {
  const x = Math.max(spend, 1);
  if (m.kind === 'saturating') return (m.beta * m.lambda) / 2 / Math.cosh((m.lambda * x) / 2) ** 2;
  return m.a * m.b * x ** (m.b - 1);
};
/** Elasticity d ln GMV / d ln spend at a daily spend. */
export const elasticityAt = (m: ResponseModel, spend: number): number => (m.kind !== 'saturating' ? m.b : tanhElasticity(m.lambda * Math.max(spend, 1)));

/** A curve of spend as a curve of budget when spend is `u` × budget: same family and elasticity, rescaled. */
function inBudgetTerms(m: ResponseModel, u: number): ResponseModel {
  if (m.kind === 'saturating') return { ...m, lambda: m.lambda * u };
  return { ...m, a: m.a * u ** m.b };
}

/** The spend at which a channel's marginal ROI equals λ, within its bounds (decreasing in λ). */
function spendAt(m: ResponseModel, lambda: number, lo: number, hi: number, budget: number): number {
  let x: number;
  if (m.kind === 'saturating') {
    // β·λ_m/2 · sech²(λ_m x/2) = λ  ⇔  cosh(λ_m x/2) = √(β·λ_m / 2λ)
    const c = Math.sqrt((m.beta * m.lambda) / (2 * lambda));
    x = c <= 1 ? 0 : (2 * Math.acosh(c)) / m.lambda;
  } else {
    if (m.b >= 1) return m.a > lambda ? hi : m.a < lambda ? lo : budget;
    x = (lambda / (m.a * m.b)) ** (1 / (m.b - 1));
  }
  return Math.min(hi, Math.max(lo, x));
}

/** What a channel's assessment says whatever the plan: its data and averages, with its budget as before and after. */
type AssessmentBase = Omit<ChannelAssessment, 'decision' | 'why' | 'model' | 'marginalRoi' | 'marginalRoiAfter'>;

interface Eligible {
  readonly input: ChannelInput;
  readonly base: AssessmentBase;
  /** The channel's curve in budget terms: GMV as a function of daily budget, spend following at `utilisation`. */
  readonly model: ResponseModel;
  /** Mean spend ÷ budget over its days. */
  readonly utilisation: number;
  /** Its days with both spend and GMV. */
  readonly usable: readonly DayPoint[];
  readonly lo: bigint;
  readonly hi: bigint;
}

/**
 * The reallocation plan for channels that share one currency. Invariants (property-tested): the budgets' total is
 * conserved to the minor unit; every channel stays within ±maxShiftPct of its budget, within the spend range its
 * days cover, and at or above minDailyBudget (a channel already below it only receives); channels with fewer than
 * minDays usable days, a firing feed_stale or a curve the data cannot tell are left unchanged; every moved channel
 * moves the same way in at least {@link MIN_DIRECTION_CONFIDENCE} of the plans re-made under the curves the days allow; every move
 * goes from a lower to a strictly higher marginal ROI; and there are no moves when the expected gain is negligible
 * or the lower end of its range is not above zero.
 */
export function planReallocation(inputs: readonly ChannelInput[], settings: ReallocationSettings): Plan {
  const assessments = new Map<string, ChannelAssessment>();
  const spendTests: SpendTest[] = [];
  let eligible: Eligible[] = [];
  const shiftOf = (budget: bigint) => (budget * BigInt(Math.round(settings.maxShiftPct * 100))) / 10_000n;
  for (const input of inputs) {
    const usable = usableDays(input.days);
    const meanSpend = usable.length ? usable.reduce((s, d) => s + d.spend, 0n) / BigInt(usable.length) : 0n;
    const meanGmv = usable.length ? usable.reduce((s, d) => s + d.gmv, 0n) / BigInt(usable.length) : 0n;
    const spends = usable.map((d) => d.spend);
    const spendRange = spends.length ? { min: spends.reduce((a, b) => (b < a ? b : a)), max: spends.reduce((a, b) => (b > a ? b : a)) } : undefined;
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
      ...(spendRange ? { spendRange } : {}),
    };
    const leftAlone = (why: string, model?: ResponseModel) =>
      assessments.set(input.channelId, {
        ...base,
        decision: 'left_alone',
        why,
        marginalRoi: model && model.kind !== 'fallback' ? marginalAt(model, Number(input.budget)) : null,
        marginalRoiAfter: null,
        ...(model ? { model } : {}),
      });
    const model = fitResponse(input.days);
    if (input.stale) leftAlone('its feed is stale (feed_stale is firing), so its figures cannot be trusted', model);
    else if (usable.length < settings.minDays)
      leftAlone(`only ${usable.length} day(s) with both spend and sales in the window; ${settings.minDays} needed`, model);
    else if (input.budget <= 0n) leftAlone('it has no daily budget to move', model);
    else if (!model) leftAlone('no usable days', model);
    else if (model.kind === 'fallback') {
      // Nothing to plan with: ask for the experiment that would tell, sized within the allowed shift.
      const pct = BigInt(Math.round(Math.min(SPEND_TEST_PCT, settings.maxShiftPct) * 100));
      const step = (input.budget * pct) / 10_000n;
      const quantised = (step / settings.quantum) * settings.quantum;
      const low = input.budget - quantised > settings.minDailyBudget ? input.budget - quantised : settings.minDailyBudget;
      if (quantised > 0n)
        spendTests.push({ channelId: input.channelId, low: low < input.budget ? low : input.budget, high: input.budget + quantised, days: SPEND_TEST_DAYS });
      leftAlone(`${model.why}: left alone; a spend test would tell`, model);
    } else {
      const shift = shiftOf(input.budget);
      const floor = input.budget - shift > settings.minDailyBudget ? input.budget - shift : settings.minDailyBudget;
      // Budgets are caps; the curve is of spend. A channel spends a share of its budget (utilisation u = mean spend /
      // budget), and a budget B buys spend u·B: the curve in budget terms is f(u·B).
      const utilisation = Number(meanSpend) / Number(input.budget);
      // Never beyond the spend the days cover: the curve is an extrapolation there. In budget terms: spend range / u.
      const toBudget = (spend: bigint) => BigInt(Math.round(Number(spend) / utilisation));
      const seenLo = spendRange && toBudget(spendRange.min) < input.budget ? toBudget(spendRange.min) : input.budget;
      const seenHi = spendRange && toBudget(spendRange.max) > input.budget ? toBudget(spendRange.max) : input.budget;
      const lo = floor < input.budget ? (floor > seenLo ? floor : seenLo) : input.budget;
      const hi = input.budget + shift < seenHi ? input.budget + shift : seenHi;
      eligible.push({ input, base, model: inBudgetTerms(model, utilisation), utilisation, usable, lo: lo < input.budget ? lo : input.budget, hi });
    }
  }

  // Plan, then check each moved channel's direction on plans re-made under the curves the days allow; channels the data cannot
  // agree on are left alone and the rest planned again, until every moved channel is confident.
  const random = mulberry32(seedOf(eligible));
  // Sample by sample, channel by channel (the order the seeded draws are made in). A saturating channel's days are
  // drawn with replacement and refitted, the family chosen again on each resample (which family the days favour is
  // part of what they cannot tell); a power-law channel's curve is drawn from its posterior.
  const resampledModels = new Map<string, ResponseModel[]>(eligible.map((e) => [e.input.channelId, []]));
  const posteriors = eligible.map((e) => (e.model.kind === 'log-log' ? powerPosterior(e.usable) : undefined));
  for (let sample = 0; sample < BOOTSTRAP_SAMPLES; sample++)
    for (const [i, e] of eligible.entries()) {
      const draw = posteriors[i];
      const m = draw ? draw(random) : fitResponse(resample(e.usable, random), 'either');
      (resampledModels.get(e.input.channelId) as ResponseModel[]).push(m ? inBudgetTerms(m, e.utilisation) : e.model);
    }
  let deltas: bigint[] = [];
  let confidence: number[] = [];
  let resampledTargets: number[][] = [];
  for (let round = 0; ; round++) {
    deltas = roundConserving(eligible, optimise(eligible), settings.quantum);
    if (eligible.length < 2 || deltas.every((d) => d === 0n)) break;
    const agree = eligible.map(() => 0);
    resampledTargets = eligible.map(() => []);
    for (let s = 0; s < BOOTSTRAP_SAMPLES; s++) {
      const models = eligible.map((e) => (resampledModels.get(e.input.channelId) as ResponseModel[])[s] as ResponseModel);
      const targets = optimise(eligible.map((e, i) => ({ ...e, model: models[i] as ResponseModel })));
      for (const [i, e] of eligible.entries()) {
        const d = deltas[i] as bigint;
        const t = (targets[i] as number) - Number(e.input.budget);
        (resampledTargets[i] as number[]).push(targets[i] as number);
        if ((d > 0n && t > 0) || (d < 0n && t < 0) || d === 0n) agree[i] = (agree[i] as number) + 1;
      }
    }
    confidence = agree.map((a) => a / BOOTSTRAP_SAMPLES);
    // The least sure channel leaves first: without it the others' plans change, and may become sure.
    const unsure = eligible
      .map((e, i) => ({ e, c: confidence[i] as number, moved: (deltas[i] as bigint) !== 0n }))
      .filter((x) => x.moved && x.c < MIN_DIRECTION_CONFIDENCE)
      .sort((x, y) => x.c - y.c);
    const doubtful = unsure.slice(0, 1).map((x) => x.e);
    if (doubtful.length === 0 || round >= inputs.length) break;
    for (const e of doubtful) {
      const c = confidence[eligible.indexOf(e)] as number;
      assessments.set(e.input.channelId, {
        ...e.base,
        decision: 'left_alone',
        why: `only ${Math.round(c * 100)} % of the plans re-made under the curves its days allow move it the same way (${Math.round(MIN_DIRECTION_CONFIDENCE * 100)} % needed): the data cannot tell which way it should go`,
        model: e.model,
        marginalRoi: marginalAt(e.model, Number(e.input.budget)),
        marginalRoiAfter: null,
        directionConfidence: c,
      });
    }
    eligible = eligible.filter((e) => !doubtful.includes(e));
  }

  // Only as far as the data agree: a receiver goes to the level MOVE_QUANTILE of the re-made plans reach at least, a
  // giver gives what that share of them give at least; the larger side is then scaled to the smaller.
  if (resampledTargets.length === eligible.length && deltas.some((d) => d !== 0n)) deltas = conservative(eligible, deltas, resampledTargets, settings.quantum);
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
      ...(delta !== 0n && confidence[i] !== undefined ? { directionConfidence: confidence[i] } : {}),
    });
  }
  const channels = inputs.map((i) => assessments.get(i.channelId) as ChannelAssessment);
  const nothing = (why: string, list: readonly ChannelAssessment[] = channels, withheld?: Plan['withheld']): Plan => ({
    channels: list,
    moves: [],
    gain: { expected: 0n, low: 0n, high: 0n },
    modelledGmv: BigInt(Math.round(modelled)),
    noProposal: why,
    spendTests,
    ...(withheld ? { withheld } : {}),
  });
  if (noProposal) return nothing(noProposal);

  /** The proposed budgets' daily gain with each channel judged under the curve `modelOf` gives it. */
  const gainUnder = (modelOf: (e: Eligible) => ResponseModel) =>
    eligible.reduce((sum, e) => {
      const m = modelOf(e);
      return sum + responseAt(m, Number(after.get(e.input.channelId))) - responseAt(m, Number(e.input.budget));
    }, 0);
  // The gain's range: the proposed budgets judged under every curve the plans were re-made under…
  const gains = Array.from({ length: BOOTSTRAP_SAMPLES }, (_, s) =>
    gainUnder((e) => (resampledModels.get(e.input.channelId) as ResponseModel[])[s] as ResponseModel),
  );
  const posteriorMedian = [...gains].sort((x, y) => x - y)[Math.floor(gains.length / 2)] as number;
  // And under as many curves refitted on resampled days, both families competing in each: the posterior draws know
  // only the power law's shape, so a move that pays only if the curve bends as a power law does is seen as risky.
  const shapes = mulberry32(seedOf(eligible) ^ 0x5bd1e995);
  for (let k = 0; k < BOOTSTRAP_SAMPLES; k++)
    gains.push(
      gainUnder((e) => {
        const refit = fitResponse(resample(e.usable, shapes), 'either');
        return refit ? inBudgetTerms(refit, e.utilisation) : e.model;
      }),
    );
  gains.sort((x, y) => x - y);
  const at = (p: number) => gains[Math.min(gains.length - 1, Math.floor(p * gains.length))] as number;
  // Percentiles of a bootstrap over n days understate the spread of a two-parameter fit: widened around the median by
  // √(n / (n − 2)), the degrees-of-freedom correction (n the fewest days any moved channel rests on).
  const n = Math.min(...eligible.map((e) => e.usable.length));
  const widen = n > 2 ? Math.sqrt(n / (n - 2)) : 1;
  const median = at(0.5);
  const low = BigInt(Math.round(median - (median - at(RANGE_PERCENTILES[0])) * widen));
  const high = BigInt(Math.round(median + (at(RANGE_PERCENTILES[1]) - median) * widen));
  // The middle: the median of the proposed budgets' gains under the curves the plans were re-made under, not the point
  // fit's — the point fit chose these budgets, so it is the one most flattering to them (the optimiser's curse).
  // The shape refits only widen the range: stated from them too, the gain reads higher at 15 % noise (their spread
  // on 14 days is too narrow and centred on the flattering fit).
  const posteriorPoint = BigInt(Math.round(posteriorMedian));
  // A move whose plausible outcomes include losing GMV is not one finance can act on: no proposal (issue 13). A
  // stricter finance asks for a lower percentile above zero (its accepted chance of a loss).
  const risk = Math.min(RANGE_PERCENTILES[0], (settings.lossRiskPct ?? MAX_LOSS_RISK_PCT) / 100);
  const riskLow = BigInt(Math.round(median - (median - at(risk)) * widen));
  if (low <= 0n || riskLow <= 0n) {
    return nothing(
      low <= 0n
        ? `the gain's 90 % range reaches down to ${low} minor units a day (expected ${posteriorPoint}): the days seen cannot tell that moving budget pays`
        : `the chance it loses GMV is above the ${+(risk * 100).toFixed(2)} % accepted (reallocation.lossRiskPct): that percentile of the gain is ${riskLow} minor units a day (expected ${posteriorPoint})`,
      channels.map((c) => (c.decision === 'left_alone' ? c : { ...c, decision: 'unchanged' as const, after: c.before, marginalRoiAfter: c.marginalRoi })),
      {
        budgets: eligible.map((e) => ({ channelId: e.input.channelId, after: after.get(e.input.channelId) as bigint })),
        gain: { median: posteriorPoint, low, high },
      },
    );
  }
  // Stated: shrunk for having been proposed at all (see selectionShrunk); the range is the judgements' own.
  const point = BigInt(Math.round(selectionShrunk(Number(posteriorPoint), Number(low), Number(high))));
  return {
    channels,
    moves: movesOf(channels),
    gain: { expected: point, low: low < point ? low : point, high: high > point ? high : point, median: posteriorPoint },
    modelledGmv: BigInt(Math.round(modelled)),
    spendTests,
  };
}

/**
 * The moves the re-made plans agree on: each moved channel's change cut to the (1 − {@link MOVE_QUANTILE})
 * quantile of the re-made plans' changes on its side of zero (what that share of them reach at least), then the side
 * that moves more scaled down to the other, in whole quanta, so the total is kept exactly.
 */
function conservative(eligible: readonly Eligible[], deltas: readonly bigint[], targets: readonly number[][], quantum: bigint): bigint[] {
  const q = 1 - MOVE_QUANTILE;
  const wanted = eligible.map((e, i) => {
    const d = deltas[i] as bigint;
    if (d === 0n) return 0;
    const changes = (targets[i] as number[]).map((t) => (t - Number(e.input.budget)) * (d > 0n ? 1 : -1)).sort((a, b) => a - b);
    const sure = Math.max(0, changes[Math.floor(q * changes.length)] as number);
    return Math.min(sure, Math.abs(Number(d))) * (d > 0n ? 1 : -1);
  });
  const receive = wanted.filter((w) => w > 0).reduce((a, b) => a + b, 0);
  const give = -wanted.filter((w) => w < 0).reduce((a, b) => a + b, 0);
  const moved = Math.min(receive, give);
  const scaled = wanted.map((w) => (w > 0 ? (w * moved) / (receive || 1) : w < 0 ? (w * moved) / (give || 1) : 0));
  return roundConserving(
    eligible,
    eligible.map((e, i) => Number(e.input.budget) + (scaled[i] as number)),
    quantum,
  );
}

/** A seed from the inputs, so the resamples (and the plan) are the same for the same data. */
function seedOf(eligible: readonly Eligible[]): number {
  return Number.parseInt(
    fnv1a64(eligible.map((e) => `${e.input.channelId}:${e.input.budget}:${e.input.days.map((d) => `${d.spend}/${d.gmv}`).join(',')}`).join(';')).slice(-8),
    36,
  );
}

/** Continuous optimum: the spend per channel where marginal ROIs meet (λ by bisection so the total is kept). */
function optimise(eligible: readonly Eligible[]): number[] {
  if (eligible.length < 2) return eligible.map((e) => Number(e.input.budget));
  const total = eligible.reduce((s, e) => s + Number(e.input.budget), 0);
  const bounds = eligible.map((e) => [Number(e.lo), Number(e.hi), Number(e.input.budget)] as const);
  /** What channel `i` spends at λ, within its bounds. */
  const spendOf = (i: number, lambda: number) => spendAt((eligible[i] as Eligible).model, lambda, ...(bounds[i] as readonly [number, number, number]));
  const at = (lambda: number) => eligible.map((_, i) => spendOf(i, lambda));
  /** The spend all channels want at λ, added in channel order. */
  const spendSum = (lambda: number) => {
    let sum = 0;
    for (let i = 0; i < eligible.length; i++) sum += spendOf(i, lambda);
    return sum;
  };
  const marginals = eligible.flatMap((e) => [marginalAt(e.model, Number(e.lo)), marginalAt(e.model, Number(e.hi)), marginalAt(e.model, 1)]);
  let lo = Math.log(Math.max(1e-12, Math.min(...marginals) / 2));
  let hi = Math.log(Math.max(1e-12, Math.max(...marginals) * 2));
  for (let k = 0; k < 100; k++) {
    const mid = (lo + hi) / 2;
    // Adjacent doubles: every further step leaves (lo + hi) / 2 where it is, so stopping changes nothing.
    if (mid === lo || mid === hi) break;
    // Spend falls as λ rises: too much spend means λ is too low.
    if (spendSum(Math.exp(mid)) > total) lo = mid;
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

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
