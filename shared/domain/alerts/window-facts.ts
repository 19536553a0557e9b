/**
 * The windows the KPI rules judge: trailing 24 hours, the 7 days before them as a baseline, the business day and
 * month to date, and how much of a day's spend usually falls before now — all computed from a channel's hour
 * totals, purely, at an instant that comes in.
 */
import { bucketOf } from '../../kernel/time.ts';
import { subtractInto, type Totals } from '../aggregation.ts';
import { type HourSums, prefixSumsOf } from '../hour-sums.ts';

const HOUR = 3_600_000;

/** Hours of history the window facts read: the trailing day and the 7-day baseline before it. */
export const WINDOW_HOURS = 24 * 8;

export interface WindowFacts {
  readonly trailing24h: Totals;
  readonly baseline7d: Totals;
  readonly dayToDate: Totals;
  /** Share of a day's spend that usually falls before now (from the previous 7 days; linear without history). */
  readonly usualDayShare: number;
  /** Hours with events among the 48 before now: does the channel normally report? */
  readonly activeHours48h: number;
  /** Hours with spend in the 7-day baseline window: a baseline of one day is not a baseline. */
  readonly baselineHours: number;
  /** Hours with spend in the trailing 24 h: a channel that started reporting this morning has no 24-hour ROI yet. */
  readonly trailingHours: number;
}

/** The hour keys a window reads at one instant: they depend only on its quarter-hour and the timezone. */
interface WindowPlan {
  /** The current hour's key: the last hour of the trailing day, the 48 hours and today. */
  readonly now: string;
  /** The first hour of the trailing 24, of the 48 before now, of today. */
  readonly trailingFrom: string;
  readonly activeFrom: string;
  readonly todayFrom: string;
  /** The baseline: the 7 days (168 hours) before the trailing day, first and last hour. */
  readonly baselineFrom: string;
  readonly baselineTo: string;
  /** The baseline's hours that `exclude` leaves out (worked out once per exclusion and quarter-hour). */
  excluded(exclude: (hourStartMs: number) => boolean): readonly string[];
  /** The 7 previous business days, day 1 first: their first, last and current-hour keys and the hour before it. */
  readonly previousDays: readonly { readonly first: string; readonly last: string; readonly beforeNow?: string; readonly atNow: string }[];
  readonly hourOfDay: number;
}

const QUARTER_HOUR = 900_000;
const plans = new Map<string, WindowPlan>();

/** Every sweep and batch of a quarter-hour reads the same keys, for every channel: they are worked out once. */
function planAt(nowMs: number, timezone: string): WindowPlan {
  const memoKey = `${timezone}\u0000${Math.floor(nowMs / QUARTER_HOUR)}`;
  const hit = plans.get(memoKey);
  if (hit) return hit;
  const back = (k: number) => bucketOf(nowMs - k * HOUR, timezone).hour;
  const now = bucketOf(nowMs, timezone);
  const hourOfDay = Number(now.hour.slice(11, 13));
  const hh = (h: number) => String(h).padStart(2, '0');
  const excluded = new WeakMap<(hourStartMs: number) => boolean, readonly string[]>();
  const plan: WindowPlan = {
    now: now.hour,
    trailingFrom: back(23),
    activeFrom: back(47),
    todayFrom: `${now.day}T00`,
    baselineFrom: back(WINDOW_HOURS - 1),
    baselineTo: back(24),
    excluded: (exclude) => {
      let hours = excluded.get(exclude);
      if (!hours) {
        const left = new Set<string>();
        for (let k = 24; k < WINDOW_HOURS; k++) if (exclude(Math.floor((nowMs - k * HOUR) / HOUR) * HOUR)) left.add(back(k));
        excluded.set(exclude, (hours = [...left]));
      }
      return hours;
    },
    previousDays: Array.from({ length: 7 }, (_, d) => {
      const day = bucketOf(nowMs - (d + 1) * 24 * HOUR, timezone).day;
      return {
        first: `${day}T00`,
        last: `${day}T23`,
        ...(hourOfDay > 0 ? { beforeNow: `${day}T${hh(hourOfDay - 1)}` } : {}),
        atNow: `${day}T${hh(hourOfDay)}`,
      };
    }),
    hourOfDay,
  };
  if (plans.size >= 256) plans.clear();
  plans.set(memoKey, plan);
  return plan;
}

/**
 * Window totals at `nowMs` from a channel's hour buckets (keys `YYYY-MM-DDTHH` in the business timezone), read as
 * range sums ({@link HourSums}; a map is summed first). Invariant: each window is the exact sum of the hours whose keys
 * it spans — an hour counts once, even where a clock change repeats its key — and hours `excludeFromBaseline` names
 * count in no baseline.
 */
export function windowFacts(
  hours: HourSums | ReadonlyMap<string, Readonly<Totals>>,
  nowMs: number,
  timezone: string,
  excludeFromBaseline?: (hourStartMs: number) => boolean,
): WindowFacts {
  const sums = hours instanceof Map ? prefixSumsOf(hours) : (hours as HourSums);
  const plan = planAt(nowMs, timezone);
  const trailing24h = sums.sum(plan.trailingFrom, plan.now);
  const baseline7d = sums.sum(plan.baselineFrom, plan.baselineTo);
  let baselineHours = sums.hoursWith('spend', plan.baselineFrom, plan.baselineTo);
  if (excludeFromBaseline) {
    for (const hour of plan.excluded(excludeFromBaseline)) {
      const t = sums.get(hour);
      if (!t) continue;
      subtractInto(baseline7d, t);
      if (t.spend > 0n) baselineHours -= 1;
    }
  }
  // Usual intraday share of spend before now, over the previous 7 business days (whole hours exactly, then the
  // current hour's share of its spend).
  const fractionOfHour = (nowMs % HOUR) / HOUR;
  let before = 0;
  let total = 0;
  for (const day of plan.previousDays) {
    total += Number(sums.spend(day.first, day.last));
    if (day.beforeNow !== undefined) before += Number(sums.spend(day.first, day.beforeNow));
    const atNow = sums.spend(day.atNow, day.atNow);
    if (atNow !== 0n) before += Number(atNow) * fractionOfHour;
  }
  const usualDayShare = total > 0 ? before / total : (plan.hourOfDay + fractionOfHour) / 24;
  return {
    trailing24h,
    baseline7d,
    dayToDate: sums.sum(plan.todayFrom, plan.now),
    usualDayShare,
    activeHours48h: sums.hoursWith('events', plan.activeFrom, plan.now),
    baselineHours,
    trailingHours: sums.hoursWith('spend', plan.trailingFrom, plan.now),
  };
}

/** The business month to date at `atMs`: the hour range to read and the share of the month elapsed (0–1). */
export function monthToDate(atMs: number, timezone: string): { fromHour: string; toHour: string; elapsed: number } {
  const now = bucketOf(atMs, timezone);
  const month = now.day.slice(0, 7);
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  const daysInMonth = new Date(Date.UTC(year, monthNumber, 0)).getUTCDate();
  const elapsed = (Number(now.day.slice(8, 10)) - 1 + (Number(now.hour.slice(11, 13)) + (atMs % HOUR) / HOUR) / 24) / daysInMonth;
  return { fromHour: `${month}-01T00`, toHour: now.hour, elapsed };
}
