/**
 * The demo world, drawn from the business plans in shared/seeds: a beauty brand (美妝) selling on Tmall and JD,
 * in Douyin live rooms run with an MCN agency, through Xiaohongshu notes, community group-buying team leaders,
 * its own WeChat mini-program and a Shanghai pop-up counter — judged on ROI (目標 1:4), AOV (客單價 120→150 元) and
 * conversion, over 14 business days around Double 11. Deterministic for a seed.
 *
 * Deliveries are as messy as real ones: about 2 % are redelivered, some arrive hours late and out of order, and a
 * handful are malformed in every way the contract refuses. The generator also returns its own reference totals
 * (a plain sum over the distinct valid events), which tests compare with what the pipeline stored.
 */
import { mulberry32 } from '../shared/domain/random.ts';
import { type Totals, zeroTotals } from '../shared/domain/aggregation.ts';

export interface DemoOptions {
  readonly seed?: number;
  readonly days?: number;
  /** First business day, `YYYY-MM-DD` in Asia/Shanghai. */
  readonly startDay?: string;
  /** Scales orders, traffic and spend together (1 = about 25,000 events over 14 days); budgets stay as configured. */
  readonly volume?: number;
}

export interface DemoScenario {
  readonly config: Record<string, unknown>;
  /** NDJSON lines in arrival order. */
  readonly lines: string[];
  /** What the pipeline must end up with: channel → day → totals over the distinct accepted events. */
  readonly expected: Map<string, Map<string, Totals>>;
  /** Lines that must be quarantined, with the reason, by 1-based line number. */
  readonly expectedQuarantine: Map<number, string>;
  readonly expectedDuplicates: number;
  /** The incidents the scenario stages, each with the alert it must raise (and nothing else may fire). */
  readonly incidents: Incident[];
}

export interface Incident {
  readonly description: string;
  readonly rule: string;
  readonly channelId: string;
  readonly subject: Readonly<Record<string, string>>;
  /** Business days (Asia/Shanghai) within which the alert must be raised. */
  readonly raisedBetween: readonly [string, string];
  /** Other rules the incident rightly sets off on its channel (overspending also collapses ROI), and until when. */
  readonly consequences?: readonly string[];
  readonly consequencesUntil?: string;
}

interface ChannelPlan {
  id: string;
  name: string;
  kind: string;
  dailyBudget: number;
  dailySpend: number;
  /**
   * How paid traffic answers spend: visits scale with (day's spend factor)^elasticity. The marketing team varies each
   * channel's daily spend (a standing test, ±~15 %) so the budget planner can learn the curve; `undefined`: spend is
   * held flat (the offline counter), so its curve cannot be learned and a spend test is suggested instead.
   */
  elasticity?: number;
  visits: number;
  conversion: number;
  aov: number;
  refundRate: number;
  campaigns: string[];
  stores: { id: string; regions?: string[] }[];
  source: string;
}

const CHANNELS: ChannelPlan[] = [
  {
    id: 'tmall',
    name: 'Tmall flagship store',
    kind: 'marketplace',
    dailyBudget: 15000,
    dailySpend: 9200,
    elasticity: 0.4,
    visits: 9000,
    conversion: 0.032,
    aov: 150,
    refundRate: 0.06,
    campaigns: ['ztc-search', 'ylmf-display'],
    stores: [{ id: 'tmall-flagship' }],
    source: 'tmall.shop',
  },
  {
    id: 'jd',
    name: 'JD self-operated store',
    kind: 'marketplace',
    dailyBudget: 10000,
    dailySpend: 6200,
    elasticity: 0.5,
    visits: 6000,
    conversion: 0.028,
    aov: 160,
    refundRate: 0.05,
    campaigns: ['jingzhuntong'],
    stores: [{ id: 'jd-pop' }],
    source: 'jd.shop',
  },
  {
    id: 'douyin-live',
    name: 'Douyin live room (MCN)',
    kind: 'live_stream',
    dailyBudget: 19000,
    dailySpend: 11500,
    elasticity: 0.6,
    visits: 15000,
    conversion: 0.024,
    aov: 110,
    refundRate: 0.09,
    campaigns: ['qianchuan-live', 'qianchuan-video'],
    stores: [{ id: 'dy-live-main' }],
    source: 'douyin.ads',
  },
  {
    id: 'xhs-notes',
    name: 'Xiaohongshu notes & KOL',
    kind: 'social_content',
    dailyBudget: 6000,
    dailySpend: 3700,
    elasticity: 0.1,
    visits: 5000,
    conversion: 0.016,
    aov: 170,
    refundRate: 0.04,
    campaigns: ['juguang-notes'],
    stores: [{ id: 'xhs-store' }],
    source: 'xiaohongshu.ads',
  },
  {
    id: 'group-buy',
    name: 'Community group-buying leaders',
    kind: 'group_buy',
    dailyBudget: 4000,
    dailySpend: 2300,
    elasticity: 0.9,
    visits: 2500,
    conversion: 0.06,
    aov: 70,
    refundRate: 0.03,
    campaigns: ['leader-commission'],
    stores: [
      { id: 'gb-pudong', regions: ['CN-31'] },
      { id: 'gb-suzhou', regions: ['CN-32'] },
    ],
    source: 'groupbuy.platform',
  },
  {
    id: 'mini-program',
    name: 'WeChat mini-program store',
    kind: 'own_store',
    dailyBudget: 5500,
    dailySpend: 3350,
    elasticity: 0.5,
    visits: 3000,
    conversion: 0.04,
    aov: 140,
    refundRate: 0.04,
    campaigns: ['wechat-moments'],
    stores: [{ id: 'mp-official' }],
    source: 'wechat.miniprogram',
  },
  {
    id: 'popup-sh',
    name: 'Shanghai Jing’an pop-up counter',
    kind: 'offline',
    dailyBudget: 8600,
    dailySpend: 5300,
    visits: 2000,
    conversion: 0.1,
    aov: 130,
    refundRate: 0.02,
    campaigns: ['mall-screens'],
    stores: [{ id: 'popup-jingan', regions: ['CN-31'] }],
    source: 'pos.popup',
  },
];

const SKUS = [
  { sku: 'SERUM-30ML', guide: 19900 },
  { sku: 'CREAM-50G', guide: 25900 },
  { sku: 'MASK-5PK', guide: 8900 },
  { sku: 'LIPSTICK-R01', guide: 14900 },
  { sku: 'CLEANSER-120', guide: 7900 },
];

/** Share of a day's activity per hour in China's e-commerce rhythm: quiet nights, a lunch bump, an evening peak. */
const HOURLY = [0.6, 0.3, 0.2, 0.1, 0.1, 0.2, 0.5, 1.2, 2.0, 3.0, 4.2, 4.6, 4.0, 3.6, 3.8, 4.0, 4.0, 4.2, 4.8, 6.0, 7.6, 8.4, 7.0, 3.5];
const HOURLY_SUM = HOURLY.reduce((a, b) => a + b, 0);

/** The scenario's randomness: seeded, so the same seed always yields the same scenario. */
const prng = mulberry32;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const yuan = (fen: number) => `${Math.floor(fen / 100)}.${pad(fen % 100)}`;
/** Shanghai wall-clock time (UTC+8, no DST) as ISO 8601 with offset. */
const shanghai = (ms: number) => {
  const d = new Date(ms + 8 * 3_600_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}+08:00`;
};
const dayOf = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);

interface Delivery {
  arrivalMs: number;
  seq: number;
  line: string;
  /** Set for lines that must be quarantined. */
  reason?: string;
  duplicateOf?: number;
}

export function generateDemo(options: DemoOptions = {}): DemoScenario {
  const random = prng(options.seed ?? 11);
  const days = options.days ?? 14;
  const volume = options.volume ?? 1;
  const startMs = Date.parse(`${options.startDay ?? '2025-11-01'}T00:00:00+08:00`);
  const between = (lo: number, hi: number) => lo + (hi - lo) * random();
  const int = (lo: number, hi: number) => Math.floor(between(lo, hi + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const poisson = (mean: number) => {
    // Knuth for small means, normal approximation for large ones.
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * (random() + random() + random() - 1.5) * 2));
    const limit = Math.exp(-mean);
    let k = 0;
    for (let p = random(); p > limit; p *= random()) k++;
    return k;
  };

  const deliveries: Delivery[] = [];
  const expected = new Map<string, Map<string, Totals>>();
  let seq = 0;
  const add = (channelId: string, occurredMs: number, delta: Partial<Totals>) => {
    const byDay = expected.get(channelId) ?? new Map<string, Totals>();
    expected.set(channelId, byDay);
    const totals = byDay.get(dayOf(occurredMs)) ?? zeroTotals();
    byDay.set(dayOf(occurredMs), totals);
    for (const [k, v] of Object.entries(delta)) totals[k as keyof Totals] += v as bigint;
  };
  /** Arrival: seconds to minutes after the fact; 1 % hours late (out of order, still inside the 7-day window). */
  const endMs = startMs + days * 86_400_000;
  // Stragglers never arrive after the period: a clock running on past the last report would (rightly) find every feed stale.
  const arrival = (occurredMs: number) =>
    Math.min(occurredMs + (random() < 0.01 ? between(2, 30) * 3_600_000 : between(2, 240) * 1000), Math.max(occurredMs + 2_000, endMs - 60_000));
  /**
   * Delivers one event (and, 2 % of the time, a redelivery). With `deliver` false it draws the same random numbers
   * and delivers nothing: a refund that falls after the period must not shift what the later days draw, so day d of
   * a shorter scenario is day d of a longer one, and pushing `--days 8` after `--days 2` finds duplicates, not
   * conflicts.
   */
  const push = (source: string, detailType: string, detail: Record<string, unknown>, occurredMs: number, deliver = true) => {
    const arrivalMs = arrival(occurredMs);
    const line = JSON.stringify({ source, 'detail-type': detailType, time: new Date(arrivalMs).toISOString().replace('.000Z', 'Z'), detail });
    if (deliver) deliveries.push({ arrivalMs, seq: seq++, line });
    if (random() < 0.02) {
      const againMs = arrivalMs + between(1, 600) * 1000;
      if (deliver) deliveries.push({ arrivalMs: againMs, seq: seq++, line, duplicateOf: seq - 2 });
    }
  };

  const double11 = { from: Date.parse('2025-11-10T20:00:00+08:00'), to: Date.parse('2025-11-12T00:00:00+08:00') };
  /**
   * The staged incidents, by (channel, day index, hour): each changes what one channel does for a while. Day 0 is
   * the first business day (2025-11-01 by default).
   */
  const incidentAt = (channelId: string, d: number, h: number) => ({
    // Mini-program's feed goes silent from 02:00 to 08:00 on day 10 (Double 11).
    silent: channelId === 'mini-program' && d === 10 && h >= 2 && h < 8,
    // Xiaohongshu's campaign is mis-set at 09:00 on day 5 and spends 3.5× its plan: it blows the daily budget.
    spendFactor: channelId === 'xhs-notes' && d === 5 && h >= 9 ? 3.5 : 1,
    // Douyin's live room loses its host for two days (days 7 and 8): orders collapse, spend does not.
    orderFactor: channelId === 'douyin-live' && (d === 7 || d === 8) ? 0.2 : 1,
    // JD's platform over-reports conversions on days 11 and 12 (inflated partner reporting).
    conversionFactor: channelId === 'jd' && (d === 11 || d === 12) ? 1.8 : 1,
  });
  let orderNo = 0;
  // Each channel's spend factor for each day, from its own generator so the rest of the scenario draws as before.
  const dayRandom = prng((options.seed ?? 11) * 7919 + 17);
  // Drawn day by day (all channels of a day, then the next day), so a shorter scenario is the start of a longer one.
  const spendFactors = new Map<string, number[]>(CHANNELS.map((ch) => [ch.id, []]));
  for (let d = 0; d < days; d++)
    for (const ch of CHANNELS) (spendFactors.get(ch.id) as number[]).push(ch.elasticity === undefined ? 1 : Math.exp(-0.5 + 0.62 * dayRandom()));
  for (let d = 0; d < days; d++) {
    const dayStart = startMs + d * 86_400_000;
    for (const ch of CHANNELS) {
      const dayFactor = spendFactors.get(ch.id)?.[d] ?? 1;
      const trafficFactor = dayFactor ** (ch.elasticity ?? 0);
      const festival = (ms: number) => (ch.id === 'tmall' || ch.id === 'douyin-live' ? ms >= double11.from && ms < double11.to : false);
      for (let h = 0; h < 24; h++) {
        const hourStart = dayStart + h * 3_600_000;
        const share = (HOURLY[h] as number) / HOURLY_SUM;
        const incident = incidentAt(ch.id, d, h);
        if (incident.silent) continue;
        const boost = (festival(hourStart) ? 2.5 : 1) * incident.orderFactor;
        // Traffic: one report per channel per hour.
        const visits = Math.round(ch.visits * share * boost * trafficFactor * volume * between(0.85, 1.15));
        push(
          ch.source,
          'Traffic Recorded',
          { eventId: `tr-${ch.id}-${d}-${h}`, occurredAt: shanghai(hourStart + 59 * 60_000), channelId: ch.id, visits },
          hourStart + 59 * 60_000,
        );
        add(ch.id, hourStart + 59 * 60_000, { events: 1n, visits: BigInt(visits) });
        const orders = poisson(ch.visits * ch.conversion * share * boost * trafficFactor * volume);
        // Ad spend: one report per campaign per hour.
        for (const campaign of ch.campaigns) {
          // Budgets are paced by the platforms: a festival brings more orders, not more spend.
          const spend = Math.round((ch.dailySpend * 100 * volume * share * dayFactor * incident.spendFactor * between(0.8, 1.2)) / ch.campaigns.length);
          const impressions = Math.round(spend * between(0.8, 1.4));
          const clicks = Math.round(impressions * between(0.015, 0.03));
          // Platforms attribute roughly the orders that happened (a little under, a little over).
          const conversions = Math.round((orders * incident.conversionFactor * between(0.85, 1.05)) / ch.campaigns.length);
          const at = hourStart + 58 * 60_000;
          push(
            ch.source,
            'Ad Spend Recorded',
            {
              eventId: `sp-${ch.id}-${campaign}-${d}-${h}`,
              occurredAt: shanghai(at),
              channelId: ch.id,
              campaignId: campaign,
              spend: yuan(spend),
              currency: 'CNY',
              impressions,
              clicks,
              reportedConversions: conversions,
              reportedRevenue: yuan(conversions * ch.aov * 100),
            },
            at,
          );
          add(ch.id, at, {
            events: 1n,
            spend: BigInt(spend),
            impressions: BigInt(impressions),
            clicks: BigInt(clicks),
            reportedConversions: BigInt(conversions),
            reportedRevenue: BigInt(conversions * ch.aov * 100),
          });
        }
        // Orders: Poisson around visits × conversion (drawn above, before the spend reports that attribute them).
        for (let o = 0; o < orders; o++) {
          const at = hourStart + Math.floor(random() * 3_600_000);
          const store = pick(ch.stores);
          const maxDiscount = festival(at) ? 0.4 : ch.kind === 'group_buy' ? 0.3 : 0.2;
          const lineCount = random() < 0.85 ? 1 : random() < 0.8 ? 2 : 3;
          // Each channel sells the part of the range that fits its basket size (客單價).
          const range = SKUS.filter((s) => s.guide <= ch.aov * 140);
          const saleLines = Array.from({ length: lineCount }, () => {
            const item = pick(range.length > 0 ? range : SKUS);
            const price = Math.round(item.guide * (1 - between(0, maxDiscount)));
            return { sku: item.sku, quantity: random() < 0.9 ? 1 : int(2, 3), unitPrice: yuan(price) };
          });
          const orderId = `${ch.id}-o${++orderNo}`;
          const region = store.regions ? pick(store.regions) : pick(['CN-31', 'CN-32', 'CN-33', 'CN-11', 'CN-44', 'CN-51']);
          push(
            ch.source,
            'Sale Recorded',
            {
              eventId: `sale-${orderId}`,
              occurredAt: shanghai(at),
              channelId: ch.id,
              storeId: store.id,
              orderId,
              currency: 'CNY',
              lines: saleLines,
              region,
              customerId: `c${int(1, 40000)}`,
            },
            at,
          );
          let gmv = 0n;
          let units = 0n;
          for (const l of saleLines) {
            gmv += BigInt(l.quantity) * BigInt(l.unitPrice.replace('.', ''));
            units += BigInt(l.quantity);
          }
          add(ch.id, at, { events: 1n, gmv, orders: 1n, units });
          if (random() < ch.refundRate) {
            let refundAt = at + between(1, 20) * 3_600_000;
            // A silent feed sends nothing: refunds that would fall inside the silence come after it.
            const refundDay = Math.floor((refundAt - startMs) / 86_400_000);
            const refundHour = Math.floor(((refundAt - startMs) % 86_400_000) / 3_600_000);
            if (incidentAt(ch.id, refundDay, refundHour).silent) refundAt = startMs + refundDay * 86_400_000 + 8 * 3_600_000 + between(0, 3_000_000);
            const inPeriod = refundAt < startMs + days * 86_400_000;
            const amount = gmv / BigInt(lineCount);
            push(
              ch.source,
              'Refund Recorded',
              {
                eventId: `rf-${orderId}`,
                occurredAt: shanghai(refundAt),
                channelId: ch.id,
                storeId: store.id,
                orderId,
                amount: yuan(Number(amount)),
                currency: 'CNY',
              },
              refundAt,
              inPeriod,
            );
            if (inPeriod) add(ch.id, refundAt, { events: 1n, refunds: amount, refundCount: 1n });
          }
        }
      }
    }
  }

  // A JD store dumps the serum at 129.00 (floor 159.20) on the afternoon of day 2; a Pudong group-buying leader
  // ships three orders to Guangdong (CN-44) on day 4 — grey-market diversion.
  const extraSale = (
    channelId: string,
    storeId: string,
    d: number,
    h: number,
    n: number,
    line: { sku: string; quantity: number; unitPrice: string },
    region: string,
  ) => {
    if (d >= days) return;
    const ch = CHANNELS.find((c) => c.id === channelId) as ChannelPlan;
    const at = startMs + d * 86_400_000 + h * 3_600_000 + n * 7 * 60_000;
    const orderId = `${channelId}-x${d}${h}${n}`;
    push(
      ch.source,
      'Sale Recorded',
      { eventId: `sale-${orderId}`, occurredAt: shanghai(at), channelId, storeId, orderId, currency: 'CNY', lines: [line], region },
      at,
    );
    add(channelId, at, { events: 1n, gmv: BigInt(line.quantity) * BigInt(line.unitPrice.replace('.', '')), orders: 1n, units: BigInt(line.quantity) });
  };
  for (let n = 0; n < 3; n++) extraSale('jd', 'jd-pop', 2, 14, n, { sku: 'SERUM-30ML', quantity: 2, unitPrice: '129.00' }, 'CN-11');
  for (let n = 0; n < 3; n++) extraSale('group-buy', 'gb-pudong', 4, 16, n, { sku: 'MASK-5PK', quantity: 5, unitPrice: '79.00' }, 'CN-44');

  const dayName = (d: number) => dayOf(startMs + d * 86_400_000 + 12 * 3_600_000);
  const staged: Incident[] = [
    {
      description: 'JD store jd-pop dumps SERUM-30ML at 129.00, below the 159.20 floor',
      rule: 'price_violation',
      channelId: 'jd',
      subject: { storeId: 'jd-pop', sku: 'SERUM-30ML' },
      raisedBetween: [dayName(2), dayName(2)],
    },
    {
      description: 'Pudong group-buying leader ships to Guangdong (CN-44)',
      rule: 'unauthorized_region',
      channelId: 'group-buy',
      subject: { storeId: 'gb-pudong', region: 'CN-44' },
      raisedBetween: [dayName(4), dayName(4)],
    },
    {
      description: 'Xiaohongshu campaign spends 3.5× its plan from 09:00 and blows the daily budget',
      rule: 'budget_overrun',
      channelId: 'xhs-notes',
      subject: { period: 'day' },
      raisedBetween: [dayName(5), dayName(5)],
      consequences: ['roi_drop'],
      consequencesUntil: dayName(6),
    },
    {
      description: 'Douyin live room loses its host for two days: ROI collapses, then recovers',
      rule: 'roi_drop',
      channelId: 'douyin-live',
      subject: {},
      raisedBetween: [dayName(7), dayName(8)],
    },
    {
      description: 'Mini-program feed silent from 02:00 to 08:00',
      rule: 'feed_stale',
      channelId: 'mini-program',
      subject: {},
      raisedBetween: [dayName(10), dayName(10)],
    },
    {
      description: 'JD platform over-reports conversions by 80 % for two days',
      rule: 'conversion_mismatch',
      channelId: 'jd',
      subject: {},
      raisedBetween: [dayName(11), dayName(12)],
    },
  ];
  const incidents = staged.filter((i) => i.raisedBetween[0] <= dayName(days - 1));

  // Malformed and refused deliveries, one of each kind the contract names, spread over the period.
  const at = (d: number, h: number) => startMs + d * 86_400_000 + h * 3_600_000;
  const bad = (arrivalMs: number, reason: string, line: string) => deliveries.push({ arrivalMs, seq: seq++, line, reason });
  const envelope = (detailType: string, arrivalMs: number, detail: Record<string, unknown>, source = 'tmall.shop') =>
    JSON.stringify({ source, 'detail-type': detailType, time: new Date(arrivalMs).toISOString(), detail });
  const sale = (id: string, occurredMs: number, extra: Record<string, unknown> = {}) => ({
    eventId: id,
    occurredAt: shanghai(occurredMs),
    channelId: 'tmall',
    storeId: 'tmall-flagship',
    orderId: `bad-${id}`,
    currency: 'CNY',
    lines: [{ sku: 'SERUM-30ML', quantity: 1, unitPrice: '189.00' }],
    ...extra,
  });
  const span = Math.max(1, days - 1);
  bad(at(1 % span, 10), 'invalid_json', '{"source": "tmall.shop", "detail-type": "Sale Recorded", "detail": {');
  bad(
    at(2 % span, 11),
    'schema_error',
    envelope('Sale Recorded', at(2 % span, 11), sale('bad-neg', at(2 % span, 11), { lines: [{ sku: 'MASK-5PK', quantity: 1, unitPrice: '-89.00' }] })),
  );
  bad(
    at(3 % span, 12),
    'schema_error',
    envelope(
      'Ad Spend Recorded',
      at(3 % span, 12),
      { eventId: 'bad-dec', occurredAt: shanghai(at(3 % span, 12)), channelId: 'jd', campaignId: 'jingzhuntong', spend: '12.345', currency: 'CNY' },
      'jd.shop',
    ),
  );
  bad(
    at(4 % span, 13),
    'schema_error',
    envelope('Traffic Recorded', at(4 % span, 13), { eventId: 'bad-visits', occurredAt: shanghai(at(4 % span, 13)), channelId: 'jd', visits: 12.5 }, 'jd.shop'),
  );
  bad(at(5 % span, 14), 'unknown_detail_type', envelope('Order Shipped', at(5 % span, 14), { eventId: 'ship-1', channelId: 'tmall' }));
  bad(at(6 % span, 15), 'unknown_channel', envelope('Sale Recorded', at(6 % span, 15), { ...sale('bad-chan', at(6 % span, 15)), channelId: 'kuaishou' }));
  bad(at(7 % span, 16), 'wrong_currency', envelope('Sale Recorded', at(7 % span, 16), sale('bad-usd', at(7 % span, 16), { currency: 'USD' })));
  bad(at(8 % span, 17), 'occurred_in_future', envelope('Sale Recorded', at(8 % span, 17), sale('bad-future', at(8 % span, 17) + 3_600_000)));
  bad(at(9 % span, 18), 'too_late', envelope('Sale Recorded', at(9 % span, 18), sale('bad-old', at(9 % span, 18) - 9 * 86_400_000)));
  // A conflicting duplicate: a valid sale, then the same eventId again with another price.
  const original = sale(`dup-conflict-d${10 % span}`, at(10 % span, 9));
  deliveries.push({ arrivalMs: at(10 % span, 9) + 5_000, seq: seq++, line: envelope('Sale Recorded', at(10 % span, 9) + 5_000, original) });
  add('tmall', at(10 % span, 9), { events: 1n, gmv: 18900n, orders: 1n, units: 1n });
  bad(
    at(10 % span, 10),
    'conflicting_duplicate',
    envelope('Sale Recorded', at(10 % span, 10), { ...original, lines: [{ sku: 'SERUM-30ML', quantity: 1, unitPrice: '99.00' }] }),
  );

  deliveries.sort((a, b) => a.arrivalMs - b.arrivalMs || a.seq - b.seq);
  const expectedQuarantine = new Map<number, string>();
  deliveries.forEach((d, i) => d.reason && expectedQuarantine.set(i + 1, d.reason));
  const config = {
    timezone: 'Asia/Shanghai',
    channels: CHANNELS.map((c) => ({
      id: c.id,
      name: c.name,
      kind: c.kind,
      currency: 'CNY',
      budget: { daily: `${c.dailyBudget}.00`, monthly: `${c.dailyBudget * 30}.00` },
      // A day of a channel with 100–200 orders swings its ROI by ~10 %, so the drop band is 40 % (a 30 % band would
      // fire on noise every few days); content is judged partly on reach: a lower floor for Xiaohongshu.
      rules: { roiFloor: c.id === 'xhs-notes' ? 1.2 : 2.0, roiDropPct: 40, minSpend: '500.00', staleAfterMinutes: 120 },
      stores: c.stores.map((s) => (s.regions ? { id: s.id, authorizedRegions: s.regions } : { id: s.id })),
    })),
    prices: SKUS.map((s) => ({ sku: s.sku, guidePrice: yuan(s.guide), maxDiscountPct: 20, channels: { 'group-buy': { maxDiscountPct: 30 } } })),
    promotions: [
      { id: 'double-11', channelIds: ['tmall', 'douyin-live'], from: '2025-11-10T20:00:00+08:00', to: '2025-11-12T00:00:00+08:00', maxDiscountPct: 40 },
    ],
    reallocation: { lookbackDays: 14, minDays: 7, maxShiftPct: 20, minDailyBudget: '500.00', reviewAfterDays: 3 },
  };
  return {
    config,
    lines: deliveries.map((d) => d.line),
    expected,
    expectedQuarantine,
    expectedDuplicates: deliveries.filter((d) => d.duplicateOf !== undefined).length,
    incidents,
  };
}

/** A delivered outbound event, as far as incident matching reads it. */
interface RaisedLike {
  readonly 'detail-type': string;
  readonly detail: Readonly<Record<string, unknown>>;
}

/**
 * Which raised alerts catch which staged incident (rule, channel, subject fields, business day of the raise), and
 * which raised alerts no incident explains. An alert on the channel of an incident that follows from it (the ROI of
 * a campaign that overspends) counts as explained by it.
 */
export function matchIncidents<E extends RaisedLike>(outbound: readonly E[], incidents: readonly Incident[]): { caught: Map<Incident, E[]>; unexplained: E[] } {
  const raised = outbound.filter((e) => e['detail-type'] === 'Alert Raised');
  const dayOf = (e: E) => new Date(Date.parse(String(e.detail.raisedAt)) + 8 * 3_600_000).toISOString().slice(0, 10);
  const caught = new Map<Incident, E[]>();
  const explained = new Set<E>();
  for (const incident of incidents) {
    const inWindow = (e: E) =>
      e.detail.channelId === incident.channelId &&
      dayOf(e) >= incident.raisedBetween[0] &&
      dayOf(e) <= (incident.consequencesUntil ?? incident.raisedBetween[1]);
    const hits = raised.filter(
      (e) =>
        inWindow(e) &&
        e.detail.rule === incident.rule &&
        Object.entries(incident.subject).every(([k, v]) => e.detail[k] === v) &&
        dayOf(e) <= incident.raisedBetween[1],
    );
    caught.set(incident, hits);
    hits.forEach((e) => explained.add(e));
    for (const e of raised) if (inWindow(e) && incident.consequences?.includes(String(e.detail.rule))) explained.add(e);
  }
  return { caught, unexplained: raised.filter((e) => !explained.has(e)) };
}
