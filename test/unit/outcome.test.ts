/**
 * Closing the loop on approved proposals, pure: the realised gain measured against the unmoved channels (a difference
 * in differences, worked by hand below), the range check, the running calibration and how it widens later ranges.
 */
import { describe, expect, it } from 'vitest';
import { BudgetReallocationReviewedEvent } from '../../events/outbound.ts';
import { addInto, type Totals, zeroTotals } from '../../shared/domain/aggregation.ts';
import { calibrationOf, outcomeOf, rangeWidening, reviewWindow } from '../../shared/domain/budgets/outcome.ts';
import type { ProposalRecord } from '../../shared/domain/budgets/proposal.ts';

const day = (gmv: number) => addInto(zeroTotals(), { events: 1n, gmv: BigInt(gmv * 100) });
const series = (from: number, to: number, gmv: (d: number) => number) =>
  new Map<string, Totals>(Array.from({ length: to - from + 1 }, (_, i) => [`2025-11-${String(from + i).padStart(2, '0')}`, day(gmv(from + i))]));

const proposal = (gain: { amount: string; low: string; high: string }) =>
  ({
    id: 'prop-2025-11-10-CNY',
    currency: 'CNY',
    status: 'approved',
    decision: { outcome: 'approved', atMs: Date.parse('2025-11-11T09:00:00+08:00'), by: 'li.na' },
    detail: {
      basis: { from: '2025-10-28', to: '2025-11-10', days: 14, timezone: 'Asia/Shanghai' },
      budgets: [
        { channelId: 'douyin-live', before: '10000.00', after: '12000.00' },
        { channelId: 'group-buy', before: '25000.00', after: '23000.00' },
      ],
      expectedGain: { ...gain, per: 'day' },
    },
  }) as unknown as ProposalRecord;

// Basis (1–10 Nov, the only days with data in the 14-day basis): douyin 10,000 a day, group-buy 20,000, tmall 30,000.
// In force (12–14 Nov): the whole market is up 10 % (tmall 33,000); douyin makes 12,100, group-buy 21,500.
// Without the move they would have made 11,000 and 22,000: realised (12,100 − 11,000) + (21,500 − 22,000) = +600.
const days = new Map([
  ['douyin-live', new Map([...series(1, 10, () => 10_000), ...series(12, 14, () => 12_100)])],
  ['group-buy', new Map([...series(1, 10, () => 20_000), ...series(12, 14, () => 21_500)])],
  ['tmall', new Map([...series(1, 10, () => 30_000), ...series(11, 14, () => 33_000)])],
]);
const window = reviewWindow('2025-11-11', 3);
const AT = Date.parse('2025-11-15T00:00:00+08:00');

describe('the outcome of an approved proposal', () => {
  it('measures the moved channels against the unmoved ones and checks the range', () => {
    expect(window).toEqual({ from: '2025-11-12', to: '2025-11-14', days: 3 });
    const o = outcomeOf(proposal({ amount: '800.00', low: '200.00', high: '1400.00' }), ['douyin-live', 'group-buy', 'tmall'], days, window, AT);
    expect(o.realised).toEqual({ amount: '600.00', per: 'day', method: 'against_unmoved_channels', control: ['tmall'], controlChange: 0.1 });
    expect(o.withinRange).toBe(true);
    expect(o.channels).toEqual([
      {
        channelId: 'douyin-live',
        budgetBefore: '10000.00',
        budgetAfter: '12000.00',
        gmvPerDayBefore: '10000.00',
        gmvPerDayAfter: '12100.00',
        change: '1100.00',
        movedAsExpected: true,
      },
      {
        channelId: 'group-buy',
        budgetBefore: '25000.00',
        budgetAfter: '23000.00',
        gmvPerDayBefore: '20000.00',
        gmvPerDayAfter: '21500.00',
        change: '-500.00',
        movedAsExpected: true,
      },
    ]);
    expect(o.basis).toEqual({ from: '2025-10-28', to: '2025-11-10', days: 14 });
    // Outside when the truth is above the range, or the promise was higher than anything that happened.
    expect(outcomeOf(proposal({ amount: '100.00', low: '50.00', high: '599.99' }), ['douyin-live', 'group-buy', 'tmall'], days, window, AT).withinRange).toBe(
      false,
    );
    // With no unmoved channel: the plain before/after change, (12,100 − 10,000) + (21,500 − 20,000) = 3,600.
    const plain = outcomeOf(proposal({ amount: '800.00', low: '200.00', high: '1400.00' }), ['douyin-live', 'group-buy'], days, window, AT);
    expect(plain.realised).toEqual({ amount: '3600.00', per: 'day', method: 'before_after', control: [], controlChange: null });
    expect(plain.withinRange).toBe(false);
    const full = { ...o, calibration: [], summary: 's' };
    expect(BudgetReallocationReviewedEvent.detail.safeParse(full).success).toBe(true);
  });

  it('counts each channel’s reviews inside the range and widens later ranges where they missed', () => {
    const reviewed = (withinRange: boolean, ...ids: string[]) => ({ withinRange, channels: ids.map((channelId) => ({ channelId })) });
    const calibration = calibrationOf([reviewed(true, 'a', 'b'), reviewed(false, 'a'), reviewed(false, 'a', 'c'), reviewed(true, 'b')] as unknown as Parameters<
      typeof calibrationOf
    >[0]);
    expect(calibration.get('a')).toEqual({ channelId: 'a', reviews: 3, withinRange: 1, share: 0.3333 });
    expect(calibration.get('b')).toEqual({ channelId: 'b', reviews: 2, withinRange: 2, share: 1 });
    expect(calibration.get('c')).toEqual({ channelId: 'c', reviews: 1, withinRange: 0, share: 0 });
    // a held 1 of 3: 0.9 / 0.3333 = 2.7×; c has one review only (too few to judge); b held every time.
    expect(rangeWidening(['a', 'b', 'c'], calibration).factor).toBeCloseTo(2.7, 3);
    expect(rangeWidening(['a', 'b', 'c'], calibration).channels.map((c) => c.channelId)).toEqual(['a']);
    expect(rangeWidening(['b', 'c'], calibration)).toEqual({ factor: 1, channels: [] });
    // Never more than threefold.
    const never = calibrationOf([reviewed(false, 'd'), reviewed(false, 'd')] as unknown as Parameters<typeof calibrationOf>[0]);
    expect(rangeWidening(['d'], never).factor).toBe(3);
  });
});
