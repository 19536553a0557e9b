/**
 * The windows the KPI rules judge: trailing 24 hours, the 7 days before them as a baseline, the business day and
 * month to date, and how much of a day's spend usually falls before now — all computed from a channel's hour
 * totals, purely, at an instant that comes in.
 */
import { bucketOf } from '../../kernel/time.ts';
import { addInto, type Totals, zeroTotals } from '../aggregation.ts';

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
  /** `hour` key and hour start of `now − k hours`, k = 0 … WINDOW_HOURS − 1. */
  readonly back: readonly { readonly hour: string; readonly startMs: number }[];
  /** Today's hours up to and including the current one. */
  readonly today: readonly string[];
  /** The 7 previous business days' 24 hour keys each, day 1 first. */
  readonly previousDays: readonly (readonly string[])[];
  readonly hourOfDay: number;
}

const QUARTER_HOUR = 900_000;
const plans = new Map<string, WindowPlan>();

/** Every sweep and batch of a quarter-hour reads the same keys, for every channel: they are worked out once. */
function planAt(nowMs: number, timezone: string): WindowPlan {
  const memoKey = `${timezone}\u0000${Math.floor(nowMs / QUARTER_HOUR)}`;
  const hit = plans.get(memoKey);
  if (hit) return hit;
  const back = Array.from({ length: WINDOW_HOURS }, (_, k) => ({
    hour: bucketOf(nowMs - k * HOUR, timezone).hour,
    startMs: Math.floor((nowMs - k * HOUR) / HOUR) * HOUR,
  }));
  const now = bucketOf(nowMs, timezone);
  const hourOfDay = Number(now.hour.slice(11, 13));
  const hourKeys = (day: string, upTo: number) => Array.from({ length: upTo + 1 }, (_, h) => `${day}T${String(h).padStart(2, '0')}`);
  const plan: WindowPlan = {
    back,
    today: hourKeys(now.day, hourOfDay),
    previousDays: Array.from({ length: 7 }, (_, d) => hourKeys(bucketOf(nowMs - (d + 1) * 24 * HOUR, timezone).day, 23)),
    hourOfDay,
  };
  if (plans.size >= 256) plans.clear();
  plans.set(memoKey, plan);
  return plan;
}

/**
 * Window totals at `nowMs` from a channel's hour buckets (keys `YYYY-MM-DDTHH` in the business timezone). Invariant:
 * each window is the exact sum of the hours it covers; hours `excludeFromBaseline` names count in no baseline.
 */
export function windowFacts(
  hours: ReadonlyMap<string, Readonly<Totals>>,
  nowMs: number,
  timezone: string,
  excludeFromBaseline: (hourStartMs: number) => boolean = () => false,
): WindowFacts {
  const plan = planAt(nowMs, timezone);
  const trailing24h = zeroTotals();
  const baseline7d = zeroTotals();
  let activeHours48h = 0;
  let baselineHours = 0;
  let trailingHours = 0;
  for (let k = 0; k < WINDOW_HOURS; k++) {
    const back = plan.back[k] as WindowPlan['back'][number];
    const t = hours.get(back.hour);
    if (!t) continue;
    if (k < 24) {
      addInto(trailing24h, t);
      if (t.spend > 0n) trailingHours += 1;
    } else if (!excludeFromBaseline(back.startMs)) {
      addInto(baseline7d, t);
      if (t.spend > 0n) baselineHours += 1;
    }
    if (k < 48 && t.events > 0n) activeHours48h += 1;
  }
  const dayToDate = zeroTotals();
  for (const hour of plan.today) {
    const t = hours.get(hour);
    if (t) addInto(dayToDate, t);
  }
  // Usual intraday share of spend before now, over the previous 7 business days.
  const hourOfDay = plan.hourOfDay;
  const fractionOfHour = (nowMs % HOUR) / HOUR;
  let before = 0;
  let total = 0;
  for (const day of plan.previousDays) {
    for (let h = 0; h < 24; h++) {
      const t = hours.get(day[h] as string);
      if (!t || t.spend === 0n) continue;
      const spend = Number(t.spend);
      total += spend;
      if (h < hourOfDay) before += spend;
      else if (h === hourOfDay) before += spend * fractionOfHour;
    }
  }
  const usualDayShare = total > 0 ? before / total : (hourOfDay + fractionOfHour) / 24;
  return { trailing24h, baseline7d, dayToDate, usualDayShare, activeHours48h, baselineHours, trailingHours };
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
