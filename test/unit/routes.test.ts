import { describe, expect, it } from 'vitest';
import { inboundEvents } from '../../events/inbound.ts';
import { routes, SENTINEL_SOURCE } from '../../events/routes.ts';
import { matchesPattern } from '../../local/event-pattern.ts';

const routed = (event: Record<string, unknown>) => routes.filter((r) => matchesPattern(r.pattern, event)).map((r) => r.id);

describe('routes (the patterns the stack deploys and the local bus evaluates)', () => {
  it('sends exactly the inbound detail-types to ingest through the inbound rule', () => {
    expect(routes[0]?.pattern).toEqual({ 'detail-type': inboundEvents.map((d) => d.detailType), source: [{ 'anything-but': [SENTINEL_SOURCE] }] });
    for (const d of inboundEvents) expect(routed({ source: 'douyin.ads', 'detail-type': d.detailType })).toEqual(['InboundToIngest']);
  });
  it('sends any other producer event to ingest for quarantine, and none of our own', () => {
    expect(routed({ source: 'douyin.ads', 'detail-type': 'Order Shipped' })).toEqual(['UnknownToQuarantine']);
    expect(routed({ source: SENTINEL_SOURCE, 'detail-type': 'Alert Raised' })).toEqual([]);
    // Our own source never comes back in, not even under an inbound detail-type.
    expect(routed({ source: SENTINEL_SOURCE, 'detail-type': 'Sale Recorded' })).toEqual([]);
  });
});

describe('matchesPattern', () => {
  it('implements exact, anything-but, prefix, exists and nesting', () => {
    expect(matchesPattern({ source: ['a', 'b'] }, { source: 'b' })).toBe(true);
    expect(matchesPattern({ source: ['a'] }, { source: 'c' })).toBe(false);
    expect(matchesPattern({ source: ['a'] }, {})).toBe(false);
    expect(matchesPattern({ source: [{ 'anything-but': ['a'] }] }, { source: 'b' })).toBe(true);
    expect(matchesPattern({ source: [{ 'anything-but': ['a'] }] }, { source: 'a' })).toBe(false);
    expect(matchesPattern({ source: [{ 'anything-but': ['a'] }] }, {})).toBe(false);
    expect(matchesPattern({ source: [{ prefix: 'douyin.' }] }, { source: 'douyin.ads' })).toBe(true);
    expect(matchesPattern({ detail: { channelId: [{ exists: true }] } }, { detail: { channelId: 'x' } })).toBe(true);
    expect(matchesPattern({ detail: { channelId: [{ exists: false }] } }, { detail: { channelId: 'x' } })).toBe(false);
    expect(matchesPattern({ source: ['a'] }, 'not an event')).toBe(false);
  });
  it('refuses operators it does not implement rather than guessing', () => {
    expect(() => matchesPattern({ n: [{ numeric: ['>', 1] }] }, { n: 2 })).toThrow(/unsupported/);
  });
});
