/**
 * The scheduled pull against a recorded-response server on 127.0.0.1: the Meta Insights page and the Google Ads rows
 * of test/fixtures/platforms/ (the APIs' documented shapes), split into pages the clients must follow, behind the
 * APIs' own throttling answers. Then restatement end to end: a later pull with other figures replaces the day.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScheduledEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeHandler } from '../../functions/pull/pull.ts';
import { backtest } from '../../local/backtest.ts';
import { localContext } from '../../local/lambda-context.ts';
import { googleAdsClient, metaInsightsClient } from '../../shared/adapters/ad-platforms.ts';
import type { OutboundEntry } from '../../shared/app/ports.ts';
import { parseConfig } from '../../shared/domain/config.ts';
import { quietObservability } from './setup.ts';

const fixture = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'platforms', name), 'utf8')) as Record<string, unknown>;
const DOCUMENT = {
  timezone: 'Asia/Shanghai',
  channels: [
    { id: 'meta-ads', name: 'Meta ads', kind: 'social_content', currency: 'CNY', budget: { daily: '100000.00' } },
    { id: 'search', name: 'Google search', kind: 'search_ads', currency: 'CNY', budget: { daily: '100000.00' } },
  ],
  sources: {
    meta: [{ accountId: 'act_1234567890', channelId: 'meta-ads' }],
    googleAds: [{ customerId: '123-456-7890', channelId: 'search', timezone: 'America/Los_Angeles' }],
  },
};
const parsed = parseConfig(DOCUMENT);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const config = parsed.config;

// ── The recorded-response server ─────────────────────────────────────────────────────────────────────────
const metaPage = fixture('meta-insights-page.json') as { data: Record<string, unknown>[] };
const googleRows = (fixture('google-ads-search-stream.json') as unknown as { results: unknown[] }[])[0]?.results ?? [];
let server: Server;
let base = '';
const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
/** What each route answers, in order; the last answer repeats. */
let script: Record<string, ((url: URL) => { status: number; headers?: Record<string, string>; body: unknown })[]> = {};
const body = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(text));
  });
beforeAll(async () => {
  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', base);
    const text = await body(req);
    seen.push({ method: req.method ?? 'GET', url: url.toString(), headers: req.headers, body: text });
    const key = `${req.method} ${url.pathname}${url.searchParams.get('page') ? `?page=${url.searchParams.get('page')}` : ''}`;
    const queue = script[key] ?? [];
    const answer = (queue.length > 1 ? queue.shift() : queue[0])?.(url) ?? { status: 404, body: { error: { message: `nothing recorded for ${key}` } } };
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const published: OutboundEntry[] = [];
const waits: number[] = [];
beforeEach(() => {
  published.length = 0;
  waits.length = 0;
  seen.length = 0;
});
const options = () => ({ sleep: async (ms: number) => void waits.push(ms) });
const handlerWith = (metaToken = 'meta-system-user-token') =>
  makeHandler({
    clients: async () => ({
      meta: metaInsightsClient({ accessToken: metaToken }, { ...options(), baseUrl: `${base}/v21.0` }),
      googleAds: googleAdsClient(
        { developerToken: 'dev-token', clientId: 'client-id', clientSecret: 'client-secret', refreshToken: 'refresh-token', loginCustomerId: '111-222-3333' },
        { ...options(), baseUrl: `${base}/v21`, tokenUrl: `${base}/token` },
      ),
    }),
    config: { current: async () => config },
    bus: {
      putEvents: async (entries) => {
        published.push(...entries);
        return [];
      },
    },
    clock: (event) => Date.parse(event.time),
    ...quietObservability(),
  });
const run = (at: string, days?: number) =>
  handlerWith()({ time: at, detail: days ? { days } : {} } as unknown as ScheduledEvent<{ days?: number }>, localContext('pull'));

/** The recorded answers: Meta throttles once (code 17) then pages twice; Google throttles once then pages twice. */
function record(spendOfFirstCampaign = '5339.5') {
  const page1 = {
    data: [{ ...metaPage.data[0], spend: spendOfFirstCampaign }],
    paging: { cursors: { after: 'MQZDZD' }, next: `${base}/v21.0/act_1234567890/insights?page=2` },
  };
  script = {
    'GET /v21.0/act_1234567890/insights': [
      () => ({
        status: 400,
        headers: {
          'x-business-use-case-usage': JSON.stringify({ '1234567890': [{ type: 'ads_insights', call_count: 100, estimated_time_to_regain_access: 1 }] }),
        },
        body: { error: { message: 'User request limit reached', type: 'OAuthException', code: 17, fbtrace_id: 'A1' } },
      }),
      () => ({ status: 200, body: page1 }),
    ],
    'GET /v21.0/act_1234567890/insights?page=2': [() => ({ status: 200, body: { data: [metaPage.data[1]], paging: { cursors: { before: 'MQZDZD' } } } })],
    'POST /token': [() => ({ status: 200, body: { access_token: 'ya29.access', expires_in: 3599, token_type: 'Bearer' } })],
    'POST /v21/customers/1234567890/googleAds:search': [
      () => ({
        status: 429,
        body: {
          error: {
            code: 429,
            status: 'RESOURCE_EXHAUSTED',
            message: 'Too many requests',
            details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' }],
          },
        },
      }),
      () => ({ status: 200, body: { results: [googleRows[0]], nextPageToken: 'page-2-token' } }),
      () => ({ status: 200, body: { results: [googleRows[1]] } }),
    ],
  };
}

describe('the scheduled pull of ad reports', () => {
  it("follows each API's paging, waits out its throttling as told, and publishes every campaign-day as Ad Spend Reported", async () => {
    record();
    const report = await run('2025-11-11T22:00:00Z', 3);
    expect(report.accounts.map((a) => [a.platform, a.account, a.since, a.until, a.pages, a.reports, a.error])).toEqual([
      ['meta', '1234567890', '2025-11-10', '2025-11-12', 2, 2, undefined],
      ['googleAds', '1234567890', '2025-11-09', '2025-11-11', 2, 2, undefined], // Los Angeles is still on the 11th
    ]);
    // Meta asked for one minute (estimated_time_to_regain_access), Google for 7 s (RetryInfo).
    expect(waits).toEqual([60_000, 7_000]);
    const meta = seen.filter((r) => r.url.includes('/insights'));
    expect(meta).toHaveLength(3);
    const first = new URL(meta[0]?.url ?? '');
    expect(Object.fromEntries(first.searchParams)).toMatchObject({
      level: 'campaign',
      time_increment: '1',
      time_range: '{"since":"2025-11-10","until":"2025-11-12"}',
    });
    expect(meta[0]?.headers.authorization).toBe('Bearer meta-system-user-token');
    const search = seen.filter((r) => r.url.endsWith('googleAds:search'));
    expect(search.map((r) => [r.headers.authorization, r.headers['developer-token'], r.headers['login-customer-id']])).toEqual(
      Array(3).fill(['Bearer ya29.access', 'dev-token', '1112223333']),
    );
    expect(JSON.parse(search[2]?.body ?? '{}')).toMatchObject({ pageToken: 'page-2-token' });
    expect(JSON.parse(search[0]?.body ?? '{}').query).toContain("WHERE segments.date BETWEEN '2025-11-09' AND '2025-11-11'");
    expect(seen.filter((r) => r.url.endsWith('/token'))).toHaveLength(1);
    expect(new Set(published.map((p) => p.detailType))).toEqual(new Set(['Ad Spend Reported']));
    expect(published.map((p) => (p.detail as { spend: string }).spend)).toEqual(['5339.50', '812.07', '5339.51', '1.23']);
    expect(published.every((p) => (p.detail as { asOf: string }).asOf === '2025-11-12T06:00:00+08:00')).toBe(true);
  });

  it('a day restated by a later pull replaces the earlier report: replayed, the day is the latest figures', async () => {
    record('5339.5');
    await run('2025-11-11T02:00:00Z', 2);
    const earlier = [...published];
    record('6001.25'); // Meta's attribution matured: the same campaign-day, more spend
    await run('2025-11-12T02:00:00Z', 2);
    const lines = [...earlier, ...published].map((p) =>
      JSON.stringify({ source: p.source, 'detail-type': p.detailType, time: new Date(p.timeMs).toISOString(), detail: p.detail }),
    );
    const summary = await backtest({ config: DOCUMENT, lines });
    expect(summary.events.superseded).toBe(0);
    expect(summary.channels['meta-ads']?.days['2025-11-10']?.spend).toBe('6813.32'); // 6001.25 + 812.07, not the sum of both pulls
  });

  it('one account failing (a revoked token) is reported and fails the run once every account was tried', async () => {
    record();
    script['GET /v21.0/act_1234567890/insights'] = [
      () => ({ status: 400, body: { error: { message: 'Error validating access token: Session has expired', type: 'OAuthException', code: 190 } } }),
    ];
    await expect(run('2025-11-11T22:00:00Z', 1)).rejects.toThrow(
      /meta 1234567890: Meta Insights act_1234567890 page 1: HTTP 400 — Error validating access token/,
    );
    // Google's account was still pulled.
    expect(published.map((p) => p.source)).toEqual(['google.ads', 'google.ads']);
  });
});
