/**
 * Range sums over a channel's hour totals. The rule windows read the same hours again at every batch and every sweep
 * (8 days per channel, 96 sweeps a day); kept as running (prefix) sums, a window costs two lookups and one subtraction
 * per field instead of an addition per hour. Exact: every field is an integer (`bigint`), so a difference of two
 * running sums is exactly the sum of the hours between them, in any order of arrival.
 */
import { addInto, subtractInto, type Totals, zeroTotals } from './aggregation.ts';

/** What a window reads from a channel's hours: sums and counts over key ranges `fromHour`..`toHour` inclusive. */
export interface HourSums {
  /** The totals of the hours in the range (a fresh object: the caller may keep it). */
  sum(fromHour: string, toHour: string): Totals;
  /** The spend of the hours in the range. */
  spend(fromHour: string, toHour: string): bigint;
  /** How many hours in the range have spend (`spend`) or events (`events`) above zero. */
  hoursWith(field: 'spend' | 'events', fromHour: string, toHour: string): number;
  /** One hour's totals, if it has any. */
  get(hour: string): Readonly<Totals> | undefined;
}

/** Index of the first key ≥ `key` in sorted `keys`. */
export function lowerBound(keys: readonly string[], key: string, from = 0, to = keys.length): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((keys[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The hours between two running sums (a fresh object). */
const difference = (a: Readonly<Totals>, b: Readonly<Totals>): Totals => subtractInto({ ...a }, b);

/**
 * Running sums over sorted hour keys: `running[i]` is the sum of the hours before `keys[i]`, `spendHours[i]` and
 * `eventHours[i]` the counts before it (all one longer than `keys`). Immutable once built: a holder keeps the
 * answer it read while the channel moves on.
 */
export class PrefixSums implements HourSums {
  constructor(
    private readonly keys: readonly string[],
    private readonly running: readonly Readonly<Totals>[],
    private readonly spendHours: readonly number[],
    private readonly eventHours: readonly number[],
  ) {}

  /** `[i, j)`: the positions of the keys from `fromHour` to `toHour` inclusive. */
  private span(fromHour: string, toHour: string): [number, number] {
    const i = lowerBound(this.keys, fromHour);
    // The first key above `toHour`: `toHour` plus the smallest character sorts after it and before any longer key.
    const j = toHour < fromHour ? i : lowerBound(this.keys, `${toHour}\u0000`, i);
    return [i, j];
  }

  sum(fromHour: string, toHour: string): Totals {
    const [i, j] = this.span(fromHour, toHour);
    return difference(this.running[j] as Totals, this.running[i] as Totals);
  }

  spend(fromHour: string, toHour: string): bigint {
    const [i, j] = this.span(fromHour, toHour);
    return (this.running[j] as Totals).spend - (this.running[i] as Totals).spend;
  }

  hoursWith(field: 'spend' | 'events', fromHour: string, toHour: string): number {
    const [i, j] = this.span(fromHour, toHour);
    const counts = field === 'spend' ? this.spendHours : this.eventHours;
    return (counts[j] as number) - (counts[i] as number);
  }

  get(hour: string): Readonly<Totals> | undefined {
    const i = lowerBound(this.keys, hour);
    if (this.keys[i] !== hour) return undefined;
    return difference(this.running[i + 1] as Totals, this.running[i] as Totals);
  }
}

/**
 * Running sums kept as hours change: the sums are brought up to date when read, from the earliest hour changed since
 * (a new hour is almost always the latest, so a batch costs the hours it touched, not the channel's history). A read
 * hands out an immutable {@link PrefixSums} of the range it asked for.
 */
export class RunningSums {
  private readonly keys: string[] = [];
  private readonly totals: Totals[] = [];
  private readonly running: Totals[] = [zeroTotals()];
  private readonly spendHours: number[] = [0];
  private readonly eventHours: number[] = [0];
  /** `running[0..validTo]` (and the counts) are up to date. */
  private validTo = 0;

  /** Adds `delta` into `hour` (created at zero where it is new). */
  add(hour: string, delta: Partial<Totals>): void {
    const last = this.keys.at(-1);
    let i: number;
    if (last === undefined || last < hour) {
      i = this.keys.length;
      this.keys.push(hour);
      this.totals.push(zeroTotals());
    } else {
      i = lowerBound(this.keys, hour);
      if (this.keys[i] !== hour) {
        this.keys.splice(i, 0, hour);
        this.totals.splice(i, 0, zeroTotals());
      }
    }
    addInto(this.totals[i] as Totals, delta);
    if (i < this.validTo) this.validTo = i;
  }

  /** The hours' sums, restricted to `fromHour`..`toHour` inclusive when a range is given. */
  sums(range?: { fromHour: string; toHour: string }): PrefixSums {
    const n = this.keys.length;
    for (let k = this.validTo; k < n; k++) {
      const t = this.totals[k] as Totals;
      // A fresh object per position: sums handed out earlier share the positions before `validTo` only.
      this.running[k + 1] = addInto({ ...(this.running[k] as Totals) }, t);
      this.spendHours[k + 1] = (this.spendHours[k] as number) + (t.spend > 0n ? 1 : 0);
      this.eventHours[k + 1] = (this.eventHours[k] as number) + (t.events > 0n ? 1 : 0);
    }
    this.running.length = this.spendHours.length = this.eventHours.length = n + 1;
    this.validTo = n;
    const i = range ? lowerBound(this.keys, range.fromHour) : 0;
    const j = range ? (range.toHour < range.fromHour ? i : lowerBound(this.keys, `${range.toHour}\u0000`, i)) : n;
    return new PrefixSums(this.keys.slice(i, j), this.running.slice(i, j + 1), this.spendHours.slice(i, j + 1), this.eventHours.slice(i, j + 1));
  }
}

/** Running sums of hour totals read from elsewhere (a table's Query, a test's map), in key order. */
export function prefixSumsOf(hours: ReadonlyMap<string, Readonly<Totals>>): PrefixSums {
  const sums = new RunningSums();
  for (const hour of [...hours.keys()].sort()) sums.add(hour, hours.get(hour) as Totals);
  return sums.sums();
}
