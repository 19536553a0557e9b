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

/** `[i, j)`: the positions of the sorted `keys` from `fromHour` to `toHour` inclusive (empty when `toHour` is before it). */
function keySpan(keys: readonly string[], fromHour: string, toHour: string): [number, number] {
  const i = lowerBound(keys, fromHour);
  // The first key above `toHour`: `toHour` plus the smallest character sorts after it and before any longer key.
  return [i, toHour < fromHour ? i : lowerBound(keys, `${toHour}\u0000`, i)];
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

  sum(fromHour: string, toHour: string): Totals {
    const [i, j] = keySpan(this.keys, fromHour, toHour);
    return difference(this.running[j] as Totals, this.running[i] as Totals);
  }

  spend(fromHour: string, toHour: string): bigint {
    const [i, j] = keySpan(this.keys, fromHour, toHour);
    return (this.running[j] as Totals).spend - (this.running[i] as Totals).spend;
  }

  hoursWith(field: 'spend' | 'events', fromHour: string, toHour: string): number {
    const [i, j] = keySpan(this.keys, fromHour, toHour);
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
 * A channel's hour totals held in memory, keys kept sorted, with their running sums: the in-memory aggregate store and
 * the single-writer cache both hold a channel this way. The sums are brought up to date when read, from the earliest
 * hour changed since (a new hour is almost always the latest, so a batch costs the hours it touched, not the channel's
 * history); a read of sums hands out an immutable {@link PrefixSums} of the range it asked for, a read of hours the
 * live totals (the port returns them read-only).
 */
export class RunningSums {
  private readonly keys: string[] = [];
  private readonly totals: Totals[] = [];
  private readonly running: Totals[] = [zeroTotals()];
  private readonly spendHours: number[] = [0];
  private readonly eventHours: number[] = [0];
  /** `running[0..validTo]` (and the counts) are up to date. */
  private validTo = 0;

  constructor(from?: ReadonlyMap<string, Readonly<Totals>>) {
    if (from) for (const hour of [...from.keys()].sort()) this.add(hour, from.get(hour) as Totals);
  }

  /** Adds `delta` into `hour` (created at zero where it is new). */
  add(hour: string, delta: Partial<Totals>): void {
    const last = this.keys.at(-1);
    let i: number;
    if (last === hour) i = this.keys.length - 1;
    else if (last === undefined || last < hour) {
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
    const [i, j] = range ? keySpan(this.keys, range.fromHour, range.toHour) : [0, n];
    return new PrefixSums(this.keys.slice(i, j), this.running.slice(i, j + 1), this.spendHours.slice(i, j + 1), this.eventHours.slice(i, j + 1));
  }

  /** The hours from `fromHour` to `toHour` inclusive (all without a range), in hour order, sharing the live totals. */
  hours(range?: { fromHour: string; toHour: string }): Map<string, Readonly<Totals>> {
    const [i, j] = range ? keySpan(this.keys, range.fromHour, range.toHour) : [0, this.keys.length];
    const out = new Map<string, Readonly<Totals>>();
    for (let k = i; k < j; k++) out.set(this.keys[k] as string, this.totals[k] as Totals);
    return out;
  }
}

/** Running sums of hour totals read from elsewhere (a table's Query, a test's map), in key order. */
export const prefixSumsOf = (hours: ReadonlyMap<string, Readonly<Totals>>): PrefixSums => new RunningSums(hours).sums();
