/**
 * Running sums answer a window exactly as adding its hours one by one does, whatever order the hours arrived in (late
 * hours land before earlier sums), and an answer once read stays what it was while the channel moves on.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addInto, type Totals, zeroTotals } from '../../shared/domain/aggregation.ts';
import { type PrefixSums, prefixSumsOf, RunningSums } from '../../shared/domain/hour-sums.ts';

const HOURS = Array.from({ length: 30 }, (_, i) => `2025-11-${String(1 + Math.floor(i / 6)).padStart(2, '0')}T${String((i % 6) * 4).padStart(2, '0')}`);
/** Keys that fall between the stored ones, before the first and after the last: a range may start or end anywhere. */
const BOUNDS = [...HOURS, '2025-10-31T23', '2025-11-01T01', '2025-11-03T13', '2025-11-09T00'].sort();

/** The truth, the slow way: every hour of the range added one by one. */
function naive(hours: ReadonlyMap<string, Totals>, from: string, to: string) {
  const total = zeroTotals();
  let spendHours = 0;
  let eventHours = 0;
  for (const [hour, t] of hours) {
    if (hour < from || hour > to) continue;
    addInto(total, t);
    if (t.spend > 0n) spendHours += 1;
    if (t.events > 0n) eventHours += 1;
  }
  return { total, spendHours, eventHours };
}

function answer(sums: PrefixSums, from: string, to: string) {
  return { total: sums.sum(from, to), spendHours: sums.hoursWith('spend', from, to), eventHours: sums.hoursWith('events', from, to) };
}

const step = fc.oneof(
  fc.record({
    hour: fc.constantFrom(...HOURS),
    spend: fc.integer({ min: -20, max: 500 }),
    gmv: fc.integer({ min: -50, max: 5000 }),
    events: fc.integer({ min: 0, max: 2 }),
  }),
  fc.record({ from: fc.constantFrom(...BOUNDS), to: fc.constantFrom(...BOUNDS), whole: fc.boolean() }),
);

describe('RunningSums', () => {
  it('answers every range as the hours added one by one, and keeps each answer once read', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const running = new RunningSums();
        const truth = new Map<string, Totals>();
        const kept: { sums: PrefixSums; from: string; to: string; expected: ReturnType<typeof naive> }[] = [];
        for (const s of steps) {
          if ('hour' in s) {
            const delta = { spend: BigInt(s.spend), gmv: BigInt(s.gmv), events: BigInt(s.events) };
            running.add(s.hour, delta);
            addInto(truth.get(s.hour) ?? truth.set(s.hour, zeroTotals()).get(s.hour)!, delta);
            continue;
          }
          // A read of the whole channel or of a range (the window reads its range, then ranges inside it).
          const sums = s.whole ? running.sums() : running.sums({ fromHour: s.from, toHour: s.to });
          const expected = naive(truth, s.from, s.to);
          expect(answer(sums, s.from, s.to)).toEqual(expected);
          expect(sums.spend(s.from, s.to)).toBe(expected.total.spend);
          for (const hour of HOURS) if (hour >= s.from && hour <= s.to) expect(sums.get(hour)).toEqual(truth.get(hour));
          kept.push({ sums, from: s.from, to: s.to, expected: structuredClone(expected) });
        }
        for (const k of kept) expect(answer(k.sums, k.from, k.to)).toEqual(k.expected);
      }),
      { numRuns: 300 },
    );
  });

  it('reads a map in key order, whatever order it was filled in', () => {
    const map = new Map<string, Totals>([
      ['2025-11-02T03', addInto(zeroTotals(), { spend: 5n, events: 1n })],
      ['2025-11-01T10', addInto(zeroTotals(), { spend: 7n })],
      ['2025-11-01T11', addInto(zeroTotals(), { gmv: 9n, events: 2n })],
    ]);
    const sums = prefixSumsOf(map);
    expect(sums.spend('2025-11-01T00', '2025-11-01T23')).toBe(7n);
    expect(sums.sum('2025-11-01T11', '2025-11-02T03')).toMatchObject({ spend: 5n, gmv: 9n, events: 3n });
    expect(sums.hoursWith('events', '2025-11-01T00', '2025-11-09T00')).toBe(2);
    expect(sums.get('2025-11-01T12')).toBeUndefined();
    expect(sums.sum('2025-11-02T00', '2025-11-01T00')).toEqual(zeroTotals()); // an empty range
  });
});
