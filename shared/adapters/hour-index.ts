/**
 * A channel's hour totals held in memory with their keys kept sorted: the in-memory aggregate store and the
 * single-writer cache both answer "hours from A to B" with a binary search and hand out the live totals (the port
 * returns them read-only), and keep the same hours as running sums ({@link RunningSums}), so a rule window costs a few
 * lookups, not an addition for every hour it reads.
 */
import { addInto, type Totals, zeroTotals } from '../domain/aggregation.ts';
import { lowerBound, type PrefixSums, RunningSums } from '../domain/hour-sums.ts';

export class HourIndex {
  private readonly totals = new Map<string, Totals>();
  private readonly sorted: string[] = [];
  /** The same hours as running sums, for the rule windows. */
  private readonly running = new RunningSums();

  constructor(from?: ReadonlyMap<string, Readonly<Totals>>) {
    if (from) for (const [hour, t] of from) this.add(hour, t);
  }

  /** Adds `delta` into `hour` (created at zero where it is new). */
  add(hour: string, delta: Partial<Totals>): void {
    addInto(this.hourTotals(hour), delta);
    this.running.add(hour, delta);
  }

  /** Range sums over the hours from `fromHour` to `toHour` inclusive: what the hours are now, kept by the holder. */
  sums(range?: { fromHour: string; toHour: string }): PrefixSums {
    return this.running.sums(range);
  }

  /** The hours from `fromHour` to `toHour` inclusive (all without a range), in hour order, sharing the live totals. */
  range(range?: { fromHour: string; toHour: string }): Map<string, Readonly<Totals>> {
    const out = new Map<string, Readonly<Totals>>();
    for (let i = range ? lowerBound(this.sorted, range.fromHour) : 0; i < this.sorted.length; i++) {
      const hour = this.sorted[i] as string;
      if (range && hour > range.toHour) break;
      out.set(hour, this.totals.get(hour) as Totals);
    }
    return out;
  }

  private hourTotals(hour: string): Totals {
    let t = this.totals.get(hour);
    if (!t) {
      this.totals.set(hour, (t = zeroTotals()));
      // A new hour is almost always the latest: append without a search then.
      const last = this.sorted.at(-1);
      if (last === undefined || last < hour) this.sorted.push(hour);
      else this.sorted.splice(lowerBound(this.sorted, hour), 0, hour);
    }
    return t;
  }
}
