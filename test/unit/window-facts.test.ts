import { describe, expect, it } from 'vitest';
import { type Totals, zeroTotals } from '../../shared/domain/aggregation.ts';
import { windowFacts } from '../../shared/domain/alerts/window-facts.ts';
import { bucketOf } from '../../shared/kernel/time.ts';
import { promotionHours } from '../../shared/domain/promotions.ts';
import { config } from '../fixtures.ts';

const tz = 'Asia/Shanghai';
const hourKey = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 13);
const NOW = Date.parse('2025-11-10T14:30:00+08:00');
const H = 3_600_000;

function hours(fill: (k: number) => Partial<Totals> | undefined, span = 24 * 9): Map<string, Totals> {
  const map = new Map<string, Totals>();
  for (let k = 0; k < span; k++) {
    const t = fill(k);
    if (t) map.set(hourKey(NOW - k * H), { ...zeroTotals(), ...t });
  }
  return map;
}

describe('windowFacts', () => {
  it('splits the last 24 hours from the 7 days before them', () => {
    const facts = windowFacts(
      hours(() => ({ spend: 100n, gmv: 400n, events: 1n })),
      NOW,
      tz,
    );
    expect(facts.trailing24h).toMatchObject({ spend: 2400n, gmv: 9600n });
    expect(facts.baseline7d).toMatchObject({ spend: 16800n, gmv: 67200n });
    expect(facts.baselineHours).toBe(168);
    expect(facts.activeHours48h).toBe(48);
  });

  it('sums today from midnight in the business timezone', () => {
    // 14:30 local: hours 00..14 of 2025-11-10 are today (15 hours).
    expect(
      windowFacts(
        hours(() => ({ spend: 1n })),
        NOW,
        tz,
      ).dayToDate.spend,
    ).toBe(15n);
  });

  it('learns the intraday spend curve from the previous days, linear without history', () => {
    // All of each previous day's spend falls in its evening (hours 18–23): by 14:30 none of it usually happened.
    const evening = hours((k) => {
      const hourOfDay = new Date(NOW - k * H + 8 * H).getUTCHours();
      return k >= 15 && hourOfDay >= 18 ? { spend: 10n } : undefined;
    });
    expect(windowFacts(evening, NOW, tz).usualDayShare).toBe(0);
    expect(windowFacts(new Map(), NOW, tz).usualDayShare).toBeCloseTo(14.5 / 24, 5);
  });

  it('counts only hours with events as active, and only hours with spend as baseline', () => {
    const sparse = hours((k) => (k % 6 === 0 ? { events: 1n, visits: 5n } : undefined));
    const facts = windowFacts(sparse, NOW, tz);
    expect(facts.activeHours48h).toBe(8);
    expect(facts.baselineHours).toBe(0);
  });

  it('leaves promotion hours out of the baseline, and counts hours with spend in the trailing window', () => {
    // The fixture's double-11 promotion for tmall runs 2025-11-10 20:00 to 2025-11-12 00:00 (+08:00).
    const later = Date.parse('2025-11-13T12:00:00+08:00');
    const map = new Map<string, Totals>();
    for (let k = 0; k < 24 * 8; k++) map.set(hourKey(later - k * H), { ...zeroTotals(), spend: 100n, gmv: 400n, events: 1n });
    const all = windowFacts(map, later, tz);
    const excluded = windowFacts(map, later, tz, promotionHours(config(), 'tmall'));
    expect(all.baselineHours).toBe(168);
    expect(all.baselineHours - excluded.baselineHours).toBe(28); // 20:00 on the 10th to midnight on the 11th
    expect(windowFacts(map, later, tz, promotionHours(config(), 'douyin-live')).baselineHours).toBe(168);
    expect(excluded.trailingHours).toBe(24);
  });
});

describe('windowFacts in a half-hour timezone', () => {
  it('follows the business hour, not the UTC hour: two instants of one UTC hour read different windows', () => {
    // Asia/Kolkata is UTC+05:30: 08:10 and 08:40 UTC fall in one UTC hour but in the business hours 13 and 14.
    const ist = (ms: number) => new Date(ms + 5.5 * H).toISOString().slice(0, 13);
    const gmvByHour = new Map<string, Totals>();
    const start = Date.parse('2025-11-01T00:00:00+05:30');
    for (let t = start, i = 1; t < start + 10 * 24 * H; t += H, i++) gmvByHour.set(ist(t), { ...zeroTotals(), gmv: BigInt(i), events: 1n });
    for (const iso of ['2025-11-09T08:10:00Z', '2025-11-09T08:40:00Z']) {
      const now = Date.parse(iso);
      // The truth, summed here without the function: the 24 business hours ending with the one `now` is in.
      let trailing = 0n;
      for (let k = 0; k < 24; k++) trailing += gmvByHour.get(ist(now - k * H))?.gmv ?? 0n;
      const day = ist(now).slice(0, 10);
      let today = 0n;
      for (const [hour, t] of gmvByHour) if (hour.startsWith(day) && hour <= ist(now)) today += t.gmv;
      const facts = windowFacts(gmvByHour, now, 'Asia/Kolkata');
      expect([iso, facts.trailing24h.gmv, facts.dayToDate.gmv]).toEqual([iso, trailing, today]);
    }
  });
});

describe('windowFacts across a clock change', () => {
  it('counts the hour a fall-back night repeats once: the trailing day is 24 real hours', () => {
    // America/New_York falls back at 02:00 EDT on 2025-11-02: the business hour 01 happens twice and holds both.
    const tz = 'America/New_York';
    const gmvByHour = new Map<string, Totals>();
    const start = Date.parse('2025-10-30T00:00:00Z');
    for (let t = start; t < start + 5 * 24 * H; t += H) {
      const hour = bucketOf(t, tz).hour;
      const totals = gmvByHour.get(hour) ?? zeroTotals();
      totals.gmv += 1n; // one per real hour
      totals.events += 1n;
      gmvByHour.set(hour, totals);
    }
    expect(gmvByHour.get('2025-11-02T01')?.gmv).toBe(2n);
    const now = Date.parse('2025-11-02T12:30:00-05:00');
    const facts = windowFacts(gmvByHour, now, tz);
    // The truth without the function: the 24 real hours ending with the one `now` is in, one unit each.
    expect(facts.trailing24h.gmv).toBe(24n);
    expect(facts.activeHours48h).toBe(47); // 48 real hours, two of them in one business hour
  });
});
