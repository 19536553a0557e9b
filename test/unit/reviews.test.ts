/**
 * The periodic reviews, pure: which periods a closed day closes, and a week's review of a small history whose
 * figures were worked out by hand (not by the code's own formulas) — totals, KPIs, change, plan, ROI by day, movers,
 * the rectification log, proposals and the store leaderboard — and the review in words, in both languages.
 */
import { describe, expect, it } from 'vitest';
import { addInto, type Totals, zeroTotals } from '../../shared/domain/aggregation.ts';
import type { AlertState } from '../../shared/domain/alerts/alert.ts';
import type { ProposalRecord } from '../../shared/domain/budgets/proposal.ts';
import { parseConfig, type SentinelConfig } from '../../shared/domain/config.ts';
import { buildReview, periodsClosedBy, previousSpan, sameFigures, spanOf } from '../../shared/domain/reviews/review.ts';
import { reviewDigest, reviewSummary, reviewText, reviewTitle } from '../../shared/domain/reviews/text.ts';
import { alertMessage } from '../../shared/app/alert-message.ts';
import { ReviewPublishedEvent } from '../../events/outbound.ts';

const config = (locale?: 'en' | 'zh-CN'): SentinelConfig => {
  const parsed = parseConfig({
    timezone: 'Asia/Shanghai',
    ...(locale ? { locale } : {}),
    channels: [
      { id: 'tmall', name: 'Tmall', kind: 'marketplace', currency: 'CNY', budget: { daily: '1000.00' }, rules: { roiFloor: 3 }, stores: [{ id: 'flagship' }] },
      { id: 'gb', name: 'Group buy', kind: 'group_buy', currency: 'CNY', budget: { daily: '500.00' }, stores: [{ id: 'leader-a' }, { id: 'leader-b' }] },
    ],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
};

const t = (fields: Partial<Totals>) => addInto(zeroTotals(), fields);
const at = (iso: string) => Date.parse(iso);

describe('review periods', () => {
  it('weeks run Monday to Sunday, months are calendar months, the previous period is the same kind just before', () => {
    expect(spanOf('week', '2025-11-05')).toEqual({ period: 'week', from: '2025-11-03', to: '2025-11-09' }); // a Wednesday
    expect(spanOf('week', '2025-11-03')).toEqual({ period: 'week', from: '2025-11-03', to: '2025-11-09' }); // its Monday
    expect(spanOf('week', '2025-11-09')).toEqual({ period: 'week', from: '2025-11-03', to: '2025-11-09' }); // its Sunday
    expect(spanOf('month', '2024-02-10')).toEqual({ period: 'month', from: '2024-02-01', to: '2024-02-29' }); // leap year
    expect(spanOf('month', '2025-12-31')).toEqual({ period: 'month', from: '2025-12-01', to: '2025-12-31' });
    expect(previousSpan(spanOf('month', '2025-03-15'))).toEqual({ period: 'month', from: '2025-02-01', to: '2025-02-28' });
    expect(previousSpan(spanOf('week', '2026-01-01'))).toEqual({ period: 'week', from: '2025-12-22', to: '2025-12-28' });
  });

  it('a closed day closes its day; a Sunday its week; a month’s last day its month', () => {
    expect(periodsClosedBy('2025-11-05').map((s) => s.period)).toEqual(['day']);
    expect(periodsClosedBy('2025-11-09').map((s) => s.period)).toEqual(['day', 'week']);
    expect(periodsClosedBy('2025-10-31').map((s) => s.period)).toEqual(['day', 'month']);
    expect(periodsClosedBy('2025-11-30')).toEqual([
      { period: 'day', from: '2025-11-30', to: '2025-11-30' },
      { period: 'week', from: '2025-11-24', to: '2025-11-30' },
      { period: 'month', from: '2025-11-01', to: '2025-11-30' },
    ]);
  });
});

describe('buildReview', () => {
  // tmall: this week (3–9 Nov) 12,000.00 GMV over 100 orders and 3,000 visits, 5,000.00 spend (ROI 2.4, under its floor
  // of 3), 600.00 refunded; the week before 10,000.00 GMV, 80 orders, 2,000.00 spend. gb: 1,000.00 this week on no
  // spend, nothing the week before.
  const days = new Map([
    [
      'tmall',
      new Map([
        ['2025-10-28', t({ gmv: 1_000_000n, orders: 80n, spend: 200_000n, events: 1n })],
        ['2025-11-03', t({ gmv: 400_000n, orders: 30n, visits: 1000n, spend: 100_000n, refunds: 60_000n, refundCount: 2n, events: 1n })],
        ['2025-11-04', t({ gmv: 800_001n, orders: 70n, visits: 2000n, spend: 400_000n, events: 1n })],
        ['2025-11-10', t({ gmv: 999_999n, orders: 1n, events: 1n })], // after the week: not in it
      ]),
    ],
    ['gb', new Map([['2025-11-05', t({ gmv: 100_000n, orders: 9n, events: 1n })]])],
  ]);
  const stores = new Map([
    ['tmall', new Map([['2025-11-03', new Map([['flagship', t({ gmv: 1_200_001n, orders: 100n, refunds: 60_000n })]])]])],
    [
      'gb',
      new Map([
        ['2025-11-05', new Map([['leader-b', t({ gmv: 70_000n, orders: 6n })]])],
        ['2025-11-06', new Map([['leader-a', t({ gmv: 30_000n, orders: 3n })]])],
      ]),
    ],
  ]);
  const alert = (over: Partial<AlertState> & Pick<AlertState, 'alertId' | 'rule' | 'subject' | 'raisedAtMs'>): AlertState => ({
    fingerprint: `${over.rule}|${over.subject.channelId}`,
    status: 'firing',
    severity: 'warning',
    lastBreachAtMs: over.raisedAtMs,
    count: 1,
    observed: 1,
    threshold: 1,
    summary: `${over.rule} on ${over.subject.channelId}`,
    evidence: {},
    notified: true,
    ...over,
  });
  const alerts: AlertState[] = [
    // Raised and resolved the week before: not this week's.
    alert({
      alertId: 'a-old',
      rule: 'feed_stale',
      subject: { channelId: 'gb' },
      raisedAtMs: at('2025-10-30T10:00:00+08:00'),
      status: 'resolved',
      resolvedAtMs: at('2025-10-30T12:00:00+08:00'),
    }),
    // Raised the week before, resolved on Monday 3 Nov: in this week's log.
    alert({
      alertId: 'a-roi',
      rule: 'roi_drop',
      subject: { channelId: 'tmall' },
      raisedAtMs: at('2025-11-02T20:00:00+08:00'),
      status: 'resolved',
      resolvedAtMs: at('2025-11-03T09:00:00+08:00'),
      resolveReason: 'ROI back above 80% of its baseline',
      acknowledged: { by: 'ops-lee', atMs: at('2025-11-02T21:00:00+08:00'), note: 'paused campaign c7', severity: 'warning' },
    }),
    // Diversion by leader-b, 3 orders; price breaches by leader-a, 2 sales; still firing.
    alert({
      alertId: 'a-div',
      rule: 'unauthorized_region',
      subject: { channelId: 'gb', storeId: 'leader-b', region: 'CN-32' },
      raisedAtMs: at('2025-11-05T11:00:00+08:00'),
      count: 3,
      severity: 'critical',
      impact: { amount: '210.00', currency: 'CNY', basis: 'diverted GMV' },
    }),
    alert({
      alertId: 'a-price',
      rule: 'price_violation',
      subject: { channelId: 'gb', storeId: 'leader-a', sku: 'X' },
      raisedAtMs: at('2025-11-06T11:00:00+08:00'),
      count: 2,
    }),
    // Raised after the week: not in it.
    alert({ alertId: 'a-next', rule: 'feed_stale', subject: { channelId: 'tmall' }, raisedAtMs: at('2025-11-10T01:00:00+08:00') }),
  ];
  const proposal = {
    id: 'prop-2025-11-02-CNY',
    currency: 'CNY',
    createdAtMs: at('2025-11-03T00:00:00+08:00'),
    expiresAtMs: at('2025-11-04T00:00:00+08:00'),
    budgetsVersion: 'v0-x',
    counter: 0,
    basis: 'x',
    after: { tmall: 110_000n },
    status: 'approved',
    decision: { outcome: 'approved', atMs: at('2025-11-03T10:00:00+08:00'), by: 'fin-wang' },
    detail: {
      basis: { from: '2025-10-28', to: '2025-10-28', days: 1, timezone: 'Asia/Shanghai' },
      budgets: [{ channelId: 'tmall', before: '1000.00', after: '1100.00' }],
      expectedGain: { amount: '120.00', low: '20.00', high: '220.00', per: 'day' },
    },
  } as unknown as ProposalRecord;
  const review = buildReview({
    span: spanOf('week', '2025-11-09'),
    through: '2025-11-09',
    atMs: at('2025-11-10T00:30:00+08:00'),
    config: config(),
    days,
    stores,
    alerts,
    earlierIncidents: [
      // A firing the day review of 4 Nov recorded, of a fingerprint that fired again since (the store keeps the last).
      {
        alertId: 'a-earlier',
        rule: 'budget_overrun',
        severity: 'critical',
        channelId: 'tmall',
        status: 'resolved',
        raisedAt: '2025-11-04T06:00:00.000Z',
        resolvedAt: '2025-11-04T16:00:00.000Z',
        breaches: 4,
        summary: 'Tmall has spent 1,050.00 CNY',
      },
    ],
    proposals: [proposal],
  });

  it('is a valid Review Published detail', () => {
    expect(ReviewPublishedEvent.detail.safeParse(review).success).toBe(true);
    expect(review).toMatchObject({
      reviewId: 'rev-week-2025-11-03',
      period: 'week',
      from: '2025-11-03',
      to: '2025-11-09',
      days: 7,
      complete: true,
      revision: 0,
    });
    expect(review.previous).toEqual({ from: '2025-10-27', to: '2025-11-02', days: 7 });
  });

  it('sums the period’s days exactly and derives the KPIs, the change and the plan', () => {
    const tmall = review.channels.find((c) => c.channelId === 'tmall');
    expect(tmall?.totals).toMatchObject({ gmv: '12000.01', orders: 100, visits: 3000, spend: '5000.00', refunds: '600.00', refundCount: 2 });
    // 12,000.01 / 100 = 120.0001 → 120.00; 5,000 / 100 = 50.00; 100 / 3,000 = 0.0333; 600 / 12,000.01 = 0.05
    expect(tmall?.kpis).toEqual({ aov: '120.00', conversionRate: 0.0333, roi: 2.4, refundRate: 0.05, ctr: null, costPerOrder: '50.00' });
    expect(tmall?.previous.totals).toMatchObject({ gmv: '10000.00', orders: 80, spend: '2000.00' });
    // GMV +20 %, orders +25 %, spend +150 %, ROI 5 → 2.4
    expect(tmall?.change).toEqual({ gmvPct: 0.2, ordersPct: 0.25, spendPct: 1.5, roi: -2.6 });
    expect(tmall?.plan).toEqual({ budget: '7000.00', spend: '5000.00', utilisation: 0.7143, roiFloor: 3, roiStatus: 'below_floor' });
    expect(tmall?.roiByDay.slice(0, 3)).toEqual([
      { day: '2025-11-03', roi: 4 },
      { day: '2025-11-04', roi: 2 },
      { day: '2025-11-05', roi: null },
    ]);
    const gb = review.channels.find((c) => c.channelId === 'gb');
    expect(gb?.plan).toMatchObject({ budget: '3500.00', roiStatus: 'no_spend' });
    expect(gb?.change.gmvPct).toBeNull(); // nothing the week before
  });

  it('ranks the movers by their share of change, a channel from nothing first', () => {
    expect(review.movers).toEqual([
      { channelId: 'gb', currency: 'CNY', gmvChange: '1000.00', gmvChangePct: null },
      { channelId: 'tmall', currency: 'CNY', gmvChange: '2000.01', gmvChangePct: 0.2 },
    ]);
  });

  it('logs every incident that fired during the week, with impact, action and resolution, once', () => {
    expect(review.incidents.map((i) => i.alertId)).toEqual(['a-roi', 'a-earlier', 'a-div', 'a-price']);
    expect(review.incidents[0]).toMatchObject({
      status: 'resolved',
      acknowledgedBy: 'ops-lee',
      note: 'paused campaign c7',
      resolvedAt: '2025-11-03T01:00:00.000Z',
      resolveReason: 'ROI back above 80% of its baseline',
    });
    expect(review.incidents[2]).toMatchObject({ status: 'firing', storeId: 'leader-b', region: 'CN-32', impact: { amount: '210.00', currency: 'CNY' } });
  });

  it('ranks the stores by GMV with their violations and diverted orders', () => {
    expect(review.stores.map((s) => [s.rank, s.storeId, s.gmv, s.orders, s.aov, s.violations, s.divertedOrders])).toEqual([
      [1, 'flagship', '12000.01', 100, '120.00', 0, 0],
      [2, 'leader-b', '700.00', 6, '116.67', 0, 3],
      [3, 'leader-a', '300.00', 3, '100.00', 2, 0],
    ]);
  });

  it('shows the proposal decided in the week with what it realised', () => {
    // In force from 4 Nov: tmall's GMV per day 4–9 Nov is 8,000.01 / 6 = 1,333.33, against 10,000.00 on its basis day.
    expect(review.proposals).toEqual([
      {
        proposalId: 'prop-2025-11-02-CNY',
        createdAt: '2025-11-02T16:00:00.000Z',
        status: 'approved',
        currency: 'CNY',
        expectedGain: { amount: '120.00', low: '20.00', high: '220.00', per: 'day' },
        decidedBy: 'fin-wang',
        decidedAt: '2025-11-03T02:00:00.000Z',
        // gb, the unmoved channel, had no GMV on the basis day: nothing to compare with, so the plain difference.
        realised: {
          days: 6,
          gmvPerDayBefore: '10000.00',
          gmvPerDayAfter: '1333.33',
          change: '-8666.67',
          attributed: { amount: '-8666.67', per: 'day', method: 'before_after', control: [], controlChange: null },
        },
      },
    ]);
  });

  it('credits a move only with what the unmoved channels did not do too: a festival week is not the move’s doing', () => {
    // Basis 27–28 Oct: tmall (moved) 1,000.00 a day, gb (unmoved) 500.00. In force 4–9 Nov: tmall 1,400.00 a day, gb
    // 650.00 (+30 %, the festival). Plain change +400.00; tmall would have made 1,300.00 anyway: credited +100.00.
    const days = new Map([
      [
        'tmall',
        new Map(
          ['2025-10-27', '2025-10-28', '2025-11-04', '2025-11-05', '2025-11-06', '2025-11-07', '2025-11-08', '2025-11-09'].map((d) => [
            d,
            t({ gmv: d < '2025-11' ? 100_000n : 140_000n, events: 1n }),
          ]),
        ),
      ],
      [
        'gb',
        new Map(
          ['2025-10-27', '2025-10-28', '2025-11-04', '2025-11-05', '2025-11-06', '2025-11-07', '2025-11-08', '2025-11-09'].map((d) => [
            d,
            t({ gmv: d < '2025-11' ? 50_000n : 65_000n, events: 1n }),
          ]),
        ),
      ],
    ]);
    const festival = {
      ...proposal,
      detail: { ...proposal.detail, basis: { from: '2025-10-27', to: '2025-10-28', days: 2, timezone: 'Asia/Shanghai' } },
    } as ProposalRecord;
    const input = {
      span: spanOf('week', '2025-11-09'),
      through: '2025-11-09',
      atMs: at('2025-11-10T00:30:00+08:00'),
      days,
      stores: new Map(),
      alerts: [],
      proposals: [festival],
    };
    const week = buildReview({ ...input, config: config() });
    expect(week.proposals[0]?.realised).toEqual({
      days: 6,
      gmvPerDayBefore: '1000.00',
      gmvPerDayAfter: '1400.00',
      change: '400.00',
      attributed: { amount: '100.00', per: 'day', method: 'against_unmoved_channels', control: ['gb'], controlChange: 0.3 },
    });
    expect(ReviewPublishedEvent.detail.safeParse(week).success).toBe(true);
    const line = (text: string) => text.split('\n').find((l) => l.startsWith('- prop-2025-11-02-CNY')) ?? '';
    expect(line(reviewText(week, 'en'))).toContain('Realised / day +CN¥100.00 against the unmoved channels (before/after +CN¥400.00, 6 days)');
    expect(line(reviewText(buildReview({ ...input, config: config('zh-CN') }), 'zh-CN'))).toContain(
      '实际日增 GMV +¥100.00 扣除未调整渠道同期变化后（前后直接对比 +¥400.00，6 天）',
    );
  });

  it('compares a period to date with as many days of the previous period', () => {
    const toDate = buildReview({
      span: spanOf('week', '2025-11-04'),
      through: '2025-11-04',
      atMs: 0,
      config: config(),
      days,
      stores,
      alerts: [],
      proposals: [],
    });
    expect(toDate).toMatchObject({
      complete: false,
      from: '2025-11-03',
      to: '2025-11-04',
      days: 2,
      previous: { from: '2025-10-27', to: '2025-10-28', days: 2 },
    });
    expect(toDate.channels[0]?.totals.gmv).toBe('12000.01');
    expect(sameFigures(toDate, review)).toBe(false);
    expect(sameFigures(review, { ...review, generatedAt: '2030-01-01T00:00:00.000Z', revision: 3 })).toBe(true);
    // An incident resolved after the review was made is news for the rectification log: a revision.
    const resolvedLater = review.incidents.map((i) =>
      i.alertId === 'a-div' ? { ...i, status: 'resolved' as const, resolvedAt: '2025-11-11T01:00:00.000Z' } : i,
    );
    expect(sameFigures(review, { ...review, incidents: resolvedLater })).toBe(false);
  });

  it('keeps one event small: the top 100 stores, the 200 incidents with the most at risk, and the totals', () => {
    const many = parseConfig({
      timezone: 'Asia/Shanghai',
      channels: [{ id: 'gb', name: 'Group buy', kind: 'group_buy', currency: 'CNY', budget: { daily: '500.00' } }],
    });
    if (!many.ok) throw new Error('config');
    const leaders = new Map(Array.from({ length: 120 }, (_, i) => [`leader-${String(i).padStart(3, '0')}`, t({ gmv: BigInt(1000 + i), orders: 1n })]));
    const flood = Array.from({ length: 250 }, (_, i) =>
      alert({
        alertId: `a-${String(i).padStart(3, '0')}`,
        rule: 'unauthorized_region',
        subject: { channelId: 'gb', storeId: `leader-${i % 120}`, region: `CN-${i}` },
        raisedAtMs: at('2025-11-04T10:00:00+08:00') + i * 60_000,
        impact: { amount: `${i}.00`, currency: 'CNY', basis: 'b' },
      }),
    );
    const r = buildReview({
      span: spanOf('week', '2025-11-09'),
      through: '2025-11-09',
      atMs: 0,
      config: many.config,
      days: new Map(),
      stores: new Map([['gb', new Map([['2025-11-04', leaders]])]]),
      alerts: flood,
      proposals: [],
    });
    expect([r.stores.length, r.storesTotal, r.incidents.length, r.incidentsTotal]).toEqual([100, 120, 200, 250]);
    expect(r.stores[0]).toMatchObject({ rank: 1, storeId: 'leader-119' });
    // The 50 with the least at risk are the ones left out; the log stays in the order of raising.
    expect(r.incidents[0]?.alertId).toBe('a-050');
    expect(r.incidents.map((i) => i.raisedAt)).toEqual([...r.incidents.map((i) => i.raisedAt)].sort());
    expect(r.summary).toContain('250 incidents');
    expect(JSON.stringify(r).length).toBeLessThan(256 * 1024);
  });

  it('says it in English and in Chinese, with the locale’s money and dates', () => {
    expect(reviewTitle(review, 'en')).toBe('Weekly review 3 Nov 2025 – 9 Nov 2025');
    expect(reviewTitle(review, 'zh-CN')).toBe('周度复盘 2025年11月3日 – 2025年11月9日');
    expect(review.summary).toBe(reviewSummary(review, 'en'));
    expect(reviewSummary(review, 'en')).toBe(
      'Weekly review 3 Nov 2025 – 9 Nov 2025: GMV CN¥13,000.01 (vs previous +30%) across 2 channels; 4 incidents (2 still open); 1 budget proposal.',
    );
    expect(reviewSummary(review, 'zh-CN')).toBe(
      '周度复盘 2025年11月3日 – 2025年11月9日：2 个渠道 GMV ¥13,000.01（环比 +30%）；问题 4 个（2 个尚未解决）；预算调整建议 1 条。',
    );
    const zh = reviewText(review, 'zh-CN');
    for (const term of [
      '客单价',
      '转化率',
      '投放花费',
      '问题整改记录',
      '门店与团长排行榜',
      '窜货订单',
      '破价次数（控价）',
      '低于底线',
      '跨区销售（窜货）',
      'paused campaign c7',
    ])
      expect(zh).toContain(term);
    expect(reviewText(review, 'en')).toContain('Rectification log (4)');
    const zhReview = buildReview({
      span: spanOf('week', '2025-11-09'),
      through: '2025-11-09',
      atMs: 0,
      config: config('zh-CN'),
      days,
      stores,
      alerts,
      proposals: [],
    });
    expect(zhReview.locale).toBe('zh-CN');
    expect(zhReview.summary).toContain('问题');
  });

  it('goes to the chats as a short digest with a link to the whole review', () => {
    const digest = reviewDigest(review, 'zh-CN', 'http://127.0.0.1:8787/');
    expect(digest.link).toBe('http://127.0.0.1:8787/#review/rev-week-2025-11-03');
    expect(digest.lines.join('\n')).toContain('ROI 低于底线：tmall');
    const message = alertMessage({ 'detail-type': 'Review Published', detail: review as unknown as Record<string, unknown> }, 'http://x');
    expect(message).toMatchObject({ title: 'Weekly review 3 Nov 2025 – 9 Nov 2025', tone: 'info', link: 'http://x/#review/rev-week-2025-11-03' });
    expect(alertMessage({ 'detail-type': 'Review Published', detail: { ...review, revision: 1 } as unknown as Record<string, unknown> })).toBeUndefined();
    const raised = alertMessage(
      {
        'detail-type': 'Alert Raised',
        detail: {
          rule: 'unauthorized_region',
          severity: 'critical',
          channelId: 'gb',
          storeId: 'leader-b',
          summary: 's',
          alertId: 'a1',
          impact: { amount: '210.00', currency: 'CNY', basis: 'b' },
        },
      },
      undefined,
      'zh-CN',
    );
    expect(raised?.title).toBe('新告警 (严重): 跨区销售（窜货） · gb — leader-b');
    expect(raised?.lines).toContain('涉及金额：¥210.00');
  });
});
