import { describe, expect, it } from 'vitest';
import type { EventDefinition } from '../../events/define-event.ts';
import {
  AdSpendRecordedEvent,
  AdSpendReportedEvent,
  inboundEvents,
  RefundRecordedEvent,
  SaleRecordedEvent,
  TrafficRecordedEvent,
} from '../../events/inbound.ts';
import { AdmissionsAhead, admit, type Admission } from '../../shared/domain/admission.ts';
import { decodeEvent } from '../../shared/domain/inbound-event.ts';
import { ARRIVAL, body, config, envelope, validDetail } from '../fixtures.ts';

const cfg = config();
const reasonOf = (a: Admission) => (a.ok ? 'accepted' : a.reason);
const withField = (detail: Record<string, unknown>, path: string, value: unknown) => {
  const copy = structuredClone(detail);
  const keys = path.split('.');
  let target: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  const last = keys[keys.length - 1] as string;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
};

type Field = { path: string; kind: 'id' | 'day' | 'instant' | 'currency' | 'money' | 'count' | 'quantity' | 'lines' | 'region'; optional?: boolean };
const COMMON: Field[] = [
  { path: 'eventId', kind: 'id' },
  { path: 'occurredAt', kind: 'instant' },
  { path: 'channelId', kind: 'id' },
];
const FIELDS = new Map<EventDefinition, Field[]>([
  [
    SaleRecordedEvent,
    [
      ...COMMON,
      { path: 'storeId', kind: 'id' },
      { path: 'orderId', kind: 'id' },
      { path: 'currency', kind: 'currency' },
      { path: 'lines', kind: 'lines' },
      { path: 'lines.0.sku', kind: 'id' },
      { path: 'lines.0.quantity', kind: 'quantity' },
      { path: 'lines.0.unitPrice', kind: 'money' },
      { path: 'region', kind: 'region', optional: true },
      { path: 'customerId', kind: 'id', optional: true },
    ],
  ],
  [
    RefundRecordedEvent,
    [...COMMON, { path: 'storeId', kind: 'id' }, { path: 'orderId', kind: 'id' }, { path: 'amount', kind: 'money' }, { path: 'currency', kind: 'currency' }],
  ],
  [
    AdSpendRecordedEvent,
    [
      ...COMMON,
      { path: 'campaignId', kind: 'id' },
      { path: 'spend', kind: 'money' },
      { path: 'currency', kind: 'currency' },
      { path: 'impressions', kind: 'count', optional: true },
      { path: 'clicks', kind: 'count', optional: true },
      { path: 'reportedConversions', kind: 'count', optional: true },
      { path: 'reportedRevenue', kind: 'money', optional: true },
    ],
  ],
  [TrafficRecordedEvent, [...COMMON, { path: 'visits', kind: 'count' }, { path: 'storeId', kind: 'id', optional: true }]],
  [
    AdSpendReportedEvent,
    [
      { path: 'eventId', kind: 'id' },
      { path: 'channelId', kind: 'id' },
      { path: 'campaignId', kind: 'id' },
      { path: 'date', kind: 'day' },
      { path: 'asOf', kind: 'instant' },
      { path: 'spend', kind: 'money' },
      { path: 'currency', kind: 'currency' },
      { path: 'impressions', kind: 'count', optional: true },
      { path: 'clicks', kind: 'count', optional: true },
      { path: 'reportedConversions', kind: 'count', optional: true },
      { path: 'reportedRevenue', kind: 'money', optional: true },
    ],
  ],
]);

/** Every way each kind of field can be wrong, and the reason the contract gives for it. */
const MUTATIONS: Record<Field['kind'], [string, unknown, string][]> = {
  id: [
    ['empty', '', 'schema_error'],
    ['too long', 'x'.repeat(129), 'schema_error'],
    ['a number', 42, 'schema_error'],
    ['null', null, 'schema_error'],
  ],
  day: [
    ['with a time', '2025-01-15T00:00:00+08:00', 'schema_error'],
    ['impossible date', '2025-02-30', 'schema_error'],
    ['a number', 20250115, 'schema_error'],
  ],
  instant: [
    ['without offset', '2025-01-15T18:00:00', 'schema_error'],
    ['not a date', 'yesterday', 'schema_error'],
    ['a number', 1736935200000, 'schema_error'],
    ['impossible date', '2025-02-30T10:00:00Z', 'schema_error'],
  ],
  currency: [
    ['lowercase', 'cny', 'schema_error'],
    ['unknown code', 'ABC', 'schema_error'],
    ['a number', 156, 'schema_error'],
  ],
  money: [
    ['negative', '-1.00', 'schema_error'],
    ['negative number', -1, 'schema_error'],
    ['too many decimals', '1.005', 'schema_error'],
    ['too many decimals as number', 1.005, 'schema_error'],
    ['huge', '99999999999999999999.00', 'schema_error'],
    ['huge number', 1e30, 'schema_error'],
    ['exponent', '1e3', 'schema_error'],
    ['an object', {}, 'schema_error'],
    ['a boolean', true, 'schema_error'],
  ],
  count: [
    ['negative', -1, 'schema_error'],
    ['fractional', 1.5, 'schema_error'],
    ['huge', 1e20, 'schema_error'],
    ['a string', '12', 'schema_error'],
  ],
  quantity: [
    ['zero', 0, 'schema_error'],
    ['negative', -2, 'schema_error'],
    ['fractional', 1.5, 'schema_error'],
    ['huge', 1e9, 'schema_error'],
    ['a string', '2', 'schema_error'],
  ],
  lines: [
    ['empty', [], 'schema_error'],
    ['not a list', { sku: 'SKU-1' }, 'schema_error'],
    ['too many', Array.from({ length: 101 }, () => ({ sku: 'SKU-1', quantity: 1, unitPrice: '1.00' })), 'schema_error'],
  ],
  region: [
    ['not ISO 3166-2', 'Shanghai', 'schema_error'],
    ['a number', 31, 'schema_error'],
  ],
};

describe('admission: the bad-input matrix', () => {
  for (const definition of inboundEvents) {
    describe(definition.detailType, () => {
      it('accepts the valid fixture', () => {
        expect(reasonOf(admit(body(definition, validDetail(definition)), cfg))).toBe('accepted');
      });
      for (const field of FIELDS.get(definition) ?? []) {
        it(`${field.path} missing → ${field.optional ? 'accepted' : 'schema_error'}`, () => {
          expect(reasonOf(admit(body(definition, withField(validDetail(definition), field.path, undefined)), cfg))).toBe(
            field.optional ? 'accepted' : 'schema_error',
          );
        });
        for (const [label, value, reason] of MUTATIONS[field.kind]) {
          it(`${field.path} ${label} → ${reason}`, () => {
            const admission = admit(body(definition, withField(validDetail(definition), field.path, value)), cfg);
            expect(reasonOf(admission)).toBe(reason);
            if (!admission.ok) expect(admission.message).toContain(field.path.split('.')[0]);
          });
        }
      }
      it('unknown channel → unknown_channel', () => {
        expect(reasonOf(admit(body(definition, { ...validDetail(definition), channelId: 'kuaishou' }), cfg))).toBe('unknown_channel');
      });
      it('currency other than the channel’s → wrong_currency (traffic carries none)', () => {
        const detail = validDetail(definition);
        const expected = 'currency' in detail ? 'wrong_currency' : 'accepted';
        expect(reasonOf(admit(body(definition, { ...detail, currency: 'USD' }), cfg))).toBe(expected);
      });
    });
  }
});

describe('admission: time window', () => {
  const at = (occurredAt: string) => reasonOf(admit(body(SaleRecordedEvent, { ...validDetail(SaleRecordedEvent), occurredAt }), cfg));
  it('allows five minutes of clock skew and not a second more', () => {
    expect(at('2025-01-15T10:10:00Z')).toBe('accepted');
    expect(at('2025-01-15T10:10:01Z')).toBe('occurred_in_future');
  });
  it('refuses events older than the lateness window (7 days by default), exactly at the boundary', () => {
    expect(at('2025-01-08T10:05:00Z')).toBe('accepted');
    expect(at('2025-01-08T10:04:59Z')).toBe('too_late');
  });
  it('uses the configured lateness window', () => {
    const strict = { ...cfg, latenessDays: 1 };
    expect(reasonOf(admit(body(SaleRecordedEvent, { ...validDetail(SaleRecordedEvent), occurredAt: '2025-01-13T10:05:00Z' }), strict))).toBe('too_late');
  });
});

describe('admission: envelope', () => {
  it.each([
    ['not JSON', '{"detail": ', 'invalid_json'],
    ['a JSON array', '[1,2]', 'schema_error'],
    ['no detail', JSON.stringify({ source: 's', 'detail-type': 'Sale Recorded', time: ARRIVAL }), 'schema_error'],
    ['no time', JSON.stringify({ source: 's', 'detail-type': 'Sale Recorded', detail: {} }), 'schema_error'],
    ['no source', JSON.stringify({ 'detail-type': 'Sale Recorded', time: ARRIVAL, detail: validDetail(SaleRecordedEvent) }), 'schema_error'],
    ['an unknown detail-type', body('Order Shipped', validDetail(SaleRecordedEvent)), 'unknown_detail_type'],
    ['a detail-type in the wrong case', body('sale recorded', validDetail(SaleRecordedEvent)), 'unknown_detail_type'],
  ])('%s → %s', (_label, text, reason) => {
    expect(reasonOf(admit(text, cfg))).toBe(reason);
  });

  it('keeps the eventId and channelId of a refused event for the quarantine', () => {
    const admission = admit(body(SaleRecordedEvent, { ...validDetail(SaleRecordedEvent, 'evt-77'), lines: [] }), cfg);
    expect(admission).toMatchObject({ ok: false, reason: 'schema_error', eventId: 'evt-77', channelId: 'tmall' });
  });

  it('ignores fields it does not know (producers may send more)', () => {
    expect(
      reasonOf(
        admit(
          JSON.stringify({
            ...envelope(SaleRecordedEvent, { ...validDetail(SaleRecordedEvent), promo: 'x' }),
            id: 'eb-1',
            account: '1',
            region: 'cn-north-1',
            resources: [],
          }),
          cfg,
        ),
      ),
    ).toBe('accepted');
  });
});

describe('admission: identity of content', () => {
  const encoded = (detail: Record<string, unknown>) => {
    const a = admit(body(AdSpendRecordedEvent, detail), cfg);
    if (!a.ok) throw new Error(a.message);
    return a.encoded;
  };
  const base = validDetail(AdSpendRecordedEvent);
  it('treats equal meanings as the same content', () => {
    expect(encoded({ ...base, spend: 1520.5 })).toBe(encoded(base));
    expect(encoded({ ...base, occurredAt: '2025-01-15T10:00:00Z' })).toBe(encoded(base));
    expect(encoded({ ...base, extra: 'ignored' })).toBe(encoded(base));
  });
  it('treats any change of meaning as different content', () => {
    expect(encoded({ ...base, spend: '1520.51' })).not.toBe(encoded(base));
    expect(encoded({ ...base, clicks: 3101 })).not.toBe(encoded(base));
    expect(encoded({ ...base, occurredAt: '2025-01-15T10:00:01Z' })).not.toBe(encoded(base));
  });
  it('stores a decodable, exact event', () => {
    expect(decodeEvent(encoded(base))).toMatchObject({
      type: 'Ad Spend Recorded',
      spend: 152050n,
      reportedRevenue: 3050000n,
      impressions: 120000,
      occurredAtMs: Date.parse('2025-01-15T10:00:00Z'),
    });
  });
});

describe('admission: JSON numbers are judged by what they say, not by the double they become', () => {
  const raw = (price: string, quantity = '1') =>
    `{"source":"s","detail-type":"Sale Recorded","time":"${ARRIVAL}","detail":{"eventId":"e","occurredAt":"2025-01-15T18:00:00+08:00","channelId":"tmall","storeId":"store-17","orderId":"o","currency":"CNY","lines":[{"sku":"SKU-1","quantity":${quantity},"unitPrice":${price}}]}}`;
  it('refuses money with more digits than the currency allows even where the double rounds them away', () => {
    // JSON.parse makes 19.999999999999999 the double 20: without the source text it was accepted as 20.00.
    expect(JSON.parse('19.999999999999999')).toBe(20);
    const refused = admit(raw('19.999999999999999'), cfg);
    expect(refused.ok ? 'accepted' : `${refused.reason} ${refused.message}`).toMatch(/^schema_error .*has 15 decimal digits; CNY allows at most 2/);
    expect(reasonOf(admit(raw('2', '1.0000000000000001'), cfg))).toBe('schema_error');
  });
  it('judges the text even when the caller hands over the line it already parsed (replay does)', () => {
    const line = raw('19.999999999999999');
    expect(reasonOf(admit(line, cfg, { value: JSON.parse(line) }))).toBe('schema_error');
    const plain = raw('1520.50');
    expect(admit(plain, cfg, { value: JSON.parse(plain) })).toEqual(admit(plain, cfg));
  });
  it('accepts every spelling of the same amount: trailing zeros, exponents', () => {
    for (const [text, minor] of [
      ['1520.50', 152050n],
      ['1.5e1', 1500n],
      ['20.000000000000000', 2000n],
    ] as const) {
      const a = admit(raw(text), cfg);
      expect(a.ok && a.event.type === 'Sale Recorded' ? a.event.lines[0]?.unitPrice : a).toBe(minor);
    }
  });
});

describe('admission decided ahead (replay decides a line before it offers it; ingest takes the decision)', () => {
  const sale = body(SaleRecordedEvent, validDetail(SaleRecordedEvent, 'evt-ahead'));
  const other = body(SaleRecordedEvent, validDetail(SaleRecordedEvent, 'evt-other'));

  it('hands ingest the decision made ahead, once, and decides afresh for another configuration', () => {
    const ahead = new AdmissionsAhead();
    const decided = ahead.decide(sale, cfg);
    expect(decided.ok).toBe(true);
    expect(ahead.take(sale, cfg)).toBe(decided); // the very decision, not a second parse
    const again = ahead.take(sale, cfg);
    expect(again).not.toBe(decided); // taken once: the next delivery of the line is decided again
    expect(again).toEqual(decided);
    ahead.decide(sale, cfg);
    // Decided under another configuration object — here one without the sale's channel — it is decided afresh.
    const without = { ...cfg, channels: cfg.channels.filter((c) => c.id !== 'tmall') };
    expect(reasonOf(ahead.take(sale, without))).toBe('unknown_channel');
    expect(ahead.take(sale, without)).toEqual(admit(sale, without));
  });

  it('keeps at most its limit of decisions not yet taken, dropping the oldest', () => {
    const ahead = new AdmissionsAhead(1);
    const first = ahead.decide(sale, cfg);
    const second = ahead.decide(other, cfg);
    expect(ahead.take(other, cfg)).toBe(second);
    expect(ahead.take(sale, cfg)).not.toBe(first);
  });
});
