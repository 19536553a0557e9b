import { prefixSumsOf } from '../../shared/domain/hour-sums.ts';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { directoryAssets } from '../../functions/console/assets.ts';
import { makeHandler } from '../../functions/console/console.ts';
import { localContext } from '../../local/lambda-context.ts';
import { addInto, zeroTotals } from '../../shared/domain/aggregation.ts';
import { config } from '../fixtures.ts';
import { quietObservability } from './setup.ts';
import { makeAcknowledging } from '../../shared/app/acknowledging.ts';
import { memoryAlertStore, memoryIntakeLog, memorySilenceStore } from '../../shared/adapters/memory.ts';
import { makeSilencing } from '../../shared/app/silencing.ts';
import { applyObservation } from '../../shared/domain/alerts/alert.ts';
import { AlertAcknowledgedEvent } from '../../events/outbound.ts';
import type { OutboundEntry } from '../../shared/app/ports.ts';

const NOW = Date.parse('2025-11-11T12:00:00+08:00');
const alerts = memoryAlertStore();
const published: OutboundEntry[] = [];
const acknowledging = makeAcknowledging({
  alerts,
  publisher: {
    putEvents: async (entries) => {
      published.push(...entries);
      return [];
    },
  },
});
const intake = memoryIntakeLog();
const handler = makeHandler({
  assets: directoryAssets('console', '..'),
  aggregates: {
    storeDays: async () => new Map(),
    hours: async (channelId: string) =>
      channelId === 'tmall' ? new Map([['2025-11-11T10', addInto(zeroTotals(), { gmv: 123_450n, orders: 3n, visits: 100n, spend: 20_000n })]]) : new Map(),
    hourSums: async () => prefixSumsOf(new Map()),
  },
  alerts,
  acknowledging,
  silencing: makeSilencing({ silences: memorySilenceStore() }),
  intake,
  reviewing: {
    list: async () => [],
    report: async (_config, period, day) => {
      throw new RangeError(`the ${period} of ${day} has no closed business day yet`);
    },
  },
  config: { current: async () => config() },
  readerRoles: ['finance', 'ops'],
  clock: () => NOW,
  ...quietObservability(),
});
const get = async (target: string, roles?: string[], method = 'GET', body?: string) => {
  const [path, query = ''] = target.split('?') as [string, string?];
  const event = {
    version: '2.0',
    rawPath: path,
    rawQueryString: query,
    ...(query ? { queryStringParameters: Object.fromEntries(new URLSearchParams(query)) } : {}),
    headers: {},
    ...(body === undefined ? {} : { body }),
    requestContext: { http: { method, path }, ...(roles ? { authorizer: { lambda: { principal: 'someone', roles } } } : {}) },
  } as unknown as APIGatewayProxyEventV2;
  return handler(event, localContext('console'));
};

/** A firing (or resolved) alert in the memory store, as the rules would have saved it. */
async function seed(status: 'firing' | 'resolved') {
  const subject = { channelId: 'tmall' };
  const raised = applyObservation(
    undefined,
    { kind: 'breach', rule: 'roi_drop', subject, severity: 'warning', observed: 1.2, threshold: 2, summary: 'low', evidence: {} },
    NOW - 3_600_000,
    [],
  )?.states[0];
  let state = raised;
  if (status === 'resolved') state = applyObservation(state, { kind: 'clear', rule: 'roi_drop', subject, reason: 'recovered' }, NOW - 60_000, [])?.states[0];
  const version = (await alerts.get('tmall', raised?.fingerprint ?? ''))?.version ?? 0;
  await alerts.save('tmall', state ? [state] : [], version, []);
  return state?.alertId ?? '';
}

describe('the console function', () => {
  it('serves the static console at /console/, pointing it at the API one level up, without a login', async () => {
    expect(await get('/console')).toMatchObject({ statusCode: 308, headers: { location: '/console/' } });
    const index = await get('/console/');
    expect(index).toMatchObject({ statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8' } });
    expect(index.body).toContain('<meta name="sentinel-api" content="..">');
    expect((await get('/console/app.js')).headers).toMatchObject({ 'content-type': 'text/javascript; charset=utf-8' });
    expect((await get('/console/../package.json')).statusCode).toBe(404);
    expect((await get('/console/missing.js')).statusCode).toBe(404);
  });

  it('answers data routes only to an authenticated reader', async () => {
    expect((await get('/overview')).statusCode).toBe(401);
    expect((await get('/overview', ['marketing'])).statusCode).toBe(403);
    const overview = JSON.parse((await get('/overview', ['ops'])).body ?? '{}') as {
      today: string;
      channels: { id: string; today: { gmv: string; orders: number; roi: number }; dailyBudget: string; series: unknown[] }[];
    };
    expect(overview.today).toBe('2025-11-11');
    expect(overview.channels[0]).toMatchObject({ id: 'tmall', today: { gmv: '1234.50', orders: 3, roi: 6.17 }, dailyBudget: '20000.00' });
    expect(overview.channels[0]?.series).toHaveLength(14);
    expect(JSON.parse((await get('/me', ['finance'])).body ?? '{}')).toEqual({ principal: 'someone', roles: ['finance'] });
  });

  it('acknowledges a firing alert once (ops or finance), announces it, and refuses a resolved one with 409', async () => {
    const alertId = await seed('firing');
    const ack = (roles?: string[], body?: string) => get(`/alerts/${alertId}/acknowledge`, roles, 'POST', body);
    expect((await ack()).statusCode).toBe(401);
    expect((await ack(['marketing'])).statusCode).toBe(403);
    expect((await ack(['ops'], 'not json')).statusCode).toBe(400);
    const first = await ack(['ops'], JSON.stringify({ note: 'pausing the campaign' }));
    expect(first.statusCode).toBe(200);
    expect(JSON.parse(first.body ?? '{}')).toMatchObject({ outcome: 'acknowledged', alertId, acknowledgedBy: 'someone', note: 'pausing the campaign' });
    expect(published.map((e) => e.detailType)).toEqual(['Alert Acknowledged']);
    expect(AlertAcknowledgedEvent.detail.parse(published[0]?.detail)).toMatchObject({ alertId, acknowledgedBy: 'someone', note: 'pausing the campaign' });
    // Twice is harmless: the same answer, nothing announced again.
    const again = await ack(['finance']);
    expect(JSON.parse(again.body ?? '{}')).toMatchObject({ outcome: 'already', acknowledgedBy: 'someone' });
    expect(published).toHaveLength(1);
    expect((await get('/alerts/alr-unknown/acknowledge', ['ops'], 'POST')).statusCode).toBe(404);
    const resolvedId = await seed('resolved');
    const resolved = await get(`/alerts/${resolvedId}/acknowledge`, ['ops'], 'POST');
    expect(resolved.statusCode).toBe(409);
    expect(JSON.parse(resolved.body ?? '{}')).toMatchObject({ error: 'not_firing' });
  });

  it('creates, lists and ends silences as data; a bad one is refused with every problem listed', async () => {
    const post = (path: string, body: unknown, roles = ['ops']) => get(path, roles, 'POST', JSON.stringify(body));
    expect((await get('/silences')).statusCode).toBe(401);
    const bad = await post('/silences', { rule: 'roi_crash', channelId: 'nowhere', to: '2025-11-11T11:00:00+08:00' });
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body ?? '{}').problems).toEqual([
      'rule: must be one of price_violation, unauthorized_region, budget_overrun, roi_drop, feed_stale, conversion_mismatch',
      'channelId: unknown channel "nowhere"',
      'comment: must be a non-empty string',
      'to: must be after from',
      'to: must be in the future',
    ]);
    const created = await post('/silences', { rule: 'roi_drop', channelId: 'tmall', to: '2025-11-12T00:00:00+08:00', comment: 'Double 11 ramp-up' });
    expect(created.statusCode).toBe(201);
    const silence = JSON.parse(created.body ?? '{}') as { id: string };
    expect(silence).toMatchObject({ rule: 'roi_drop', channelId: 'tmall', from: '2025-11-11T04:00:00.000Z', state: 'active', createdBy: 'someone' });
    const listed = JSON.parse((await get('/silences', ['finance'])).body ?? '{}') as { silences: { id: string; state: string }[] };
    expect(listed.silences.map((x) => [x.id, x.state])).toEqual([[silence.id, 'active']]);
    const ended = await post(`/silences/${silence.id}/expire`, {});
    expect(JSON.parse(ended.body ?? '{}')).toMatchObject({
      id: silence.id,
      state: 'expired',
      to: '2025-11-11T04:00:00.000Z',
      expiredAt: '2025-11-11T04:00:00.000Z',
    });
    expect((await post('/silences/sil-none/expire', {})).statusCode).toBe(404);
    // A client that does not share the server's clock says how long instead of until when.
    const byDuration = JSON.parse(
      (await post('/silences', { rule: 'feed_stale', channelId: 'tmall', durationMinutes: 90, comment: 'feed migration' })).body ?? '{}',
    );
    expect(byDuration).toMatchObject({ from: '2025-11-11T04:00:00.000Z', to: '2025-11-11T05:30:00.000Z', state: 'active' });
  });

  it('shows one alert with its figure over time and the moments of its life', async () => {
    const alertId = await seed('firing');
    const page = await get(`/alerts/${alertId}`, ['ops']);
    expect(page.statusCode).toBe(200);
    const body = JSON.parse(page.body ?? '{}') as { alert: { alertId: string }; metric: { label: string; points: unknown[] }; marks: { label: string }[] };
    expect(body.alert.alertId).toBe(alertId);
    expect(body.metric.label).toBe('ROI over the trailing 24 h (×)');
    expect(body.metric.points.length).toBeGreaterThan(24);
    expect(body.marks.map((m) => m.label)).toContain('raised');
    expect((await get('/alerts/alr-none', ['ops'])).statusCode).toBe(404);
  });

  it('shows data quality over a window of arrival: quarantined by reason and channel, duplicates, the newest refusals', async () => {
    const entry = (messageId: string, reason: 'schema_error' | 'conflicting_duplicate', atMs: number, channelId?: string) =>
      intake.quarantine({
        messageId,
        reason,
        message: `${reason} here`,
        payload: reason === 'schema_error' ? 'x'.repeat(1000) : '{}',
        atMs,
        retainUntilMs: atMs + 86_400_000,
        ...(channelId ? { channelId, eventId: `e-${messageId}` } : {}),
      });
    await entry('m1', 'schema_error', NOW - 3_600_000);
    await entry('m2', 'conflicting_duplicate', NOW - 2 * 3_600_000, 'tmall');
    await entry('m3', 'schema_error', NOW - 2 * 86_400_000, 'jd');
    await entry('m-old', 'schema_error', NOW - 10 * 86_400_000, 'jd'); // outside a 7-day window
    await intake.duplicate({ messageId: 'd1', eventId: 'e1', channelId: 'tmall', atMs: NOW - 60_000, retainUntilMs: NOW });
    const response = await get('/data-quality', ['ops']);
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body as string) as {
      quarantined: number;
      byReason: Record<string, number>;
      byChannel: Record<string, { quarantined: number; duplicates: number }>;
      duplicates: number;
      recent: { reason: string; eventId: string | null; payloadPreview: string }[];
    };
    expect(body.quarantined).toBe(3);
    expect(body.byReason).toEqual({ schema_error: 2, conflicting_duplicate: 1 });
    expect(Object.keys(body.byReason)[0]).toBe('schema_error');
    expect(body.byChannel).toEqual({
      '(none)': { quarantined: 1, duplicates: 0 },
      jd: { quarantined: 1, duplicates: 0 },
      tmall: { quarantined: 1, duplicates: 1 },
    });
    expect(body.duplicates).toBe(1);
    expect(body.recent.map((r) => r.eventId)).toEqual([null, 'e-m2', 'e-m3']);
    expect(body.recent[0]?.payloadPreview.length).toBeLessThan(300);
    const wide = JSON.parse((await get('/data-quality?days=31', ['ops'])).body as string) as { quarantined: number };
    expect(wide.quarantined).toBe(4);
    expect((await get('/data-quality?days=0', ['ops'])).statusCode).toBe(400);
    expect((await get('/data-quality?days=abc', ['ops'])).statusCode).toBe(400);
    expect((await get('/data-quality')).statusCode).toBe(401);
  });
});

describe('the console reviews routes', () => {
  it('refuses ids that name no period or no real day, and a locale it does not speak', async () => {
    expect((await get('/reviews', ['ops'])).statusCode).toBe(200);
    expect(JSON.parse((await get('/reviews', ['ops'])).body as string)).toMatchObject({ locale: 'en', reviews: [] });
    expect((await get('/reviews')).statusCode).toBe(401);
    for (const id of ['rev-year-2025-11-01', 'rev-day-2025-02-30', 'rev-week-2025-13-01', 'nope'])
      expect((await get(`/reviews/${id}`, ['ops'])).statusCode, id).toBe(404);
    expect((await get('/reviews/rev-week-2025-11-03?locale=fr', ['ops'])).statusCode).toBe(400);
    // A period with no closed day yet: 404 with the reason.
    const future = await get('/reviews/rev-week-2030-01-07', ['ops']);
    expect(future.statusCode).toBe(404);
    expect(future.body).toContain('no closed business day yet');
  });
});
