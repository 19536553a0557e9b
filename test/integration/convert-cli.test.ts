/**
 * `sentinel convert` end to end: Meta Insights pages pulled three times as attribution matured (the platform
 * restating the same campaign-day), converted by the CLI and backtested — the day's spend is the last pull's, to the
 * fen — and a Shopify file with one payload per line, one of them unmappable, refused with its reason.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sentinel } from './cli.ts';
import { backtest } from '../../local/backtest.ts';

const dir = mkdtempSync(join(tmpdir(), 'sentinel-convert-'));
const fixture = (name: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'platforms', name), 'utf8');

const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const CONFIG = {
  timezone: 'Asia/Shanghai',
  channels: [
    { id: 'meta-ads', name: 'Meta ads', kind: 'social_content', currency: 'CNY', budget: { daily: '10000.00' } },
    { id: 'own-store', name: 'Web store', kind: 'own_store', currency: 'USD', budget: { daily: '1000.00' } },
  ],
  sources: { meta: [{ accountId: 'act_1234567890', channelId: 'meta-ads' }], shopify: [{ shop: 'amirtds.myshopify.com', channelId: 'own-store' }] },
};

describe('sentinel convert', () => {
  it('meta: three pulls of a restated day replay to the last pull, to the fen', async () => {
    const configPath = write('config.json', JSON.stringify(CONFIG));
    const page = JSON.parse(fixture('meta-insights-page.json')) as { data: Record<string, unknown>[] };
    // The first campaign's 2025-11-10 as pulled at 09:00 the next day, then restated up twice; the second once.
    const pulls = [
      { asOf: '2025-11-11T09:00:00+08:00', spend: ['5339.5', '812.07'] },
      { asOf: '2025-11-12T09:00:00+08:00', spend: ['5401.25', '812.07'] },
      { asOf: '2025-11-13T09:00:00+08:00', spend: ['5402.01', '799.99'] },
    ];
    const lines: string[] = [];
    for (const [i, pull] of pulls.entries()) {
      const input = write(`meta-${i}.json`, JSON.stringify({ ...page, data: page.data.map((row, j) => ({ ...row, spend: pull.spend[j] })) }));
      const result = await sentinel('convert', '--source', 'meta', '--config', configPath, '--in', input, '--as-of', pull.asOf);
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('convert: 2 events, 0 refused');
      lines.push(...result.stdout.trim().split('\n'));
    }
    // Arrival order is not asOf order: the middle pull arrives last, and changes nothing.
    const order = [0, 1, 4, 5, 2, 3].map((i) => lines[i] as string);
    const summary = await backtest({ config: CONFIG, lines: order });
    expect(summary.channels['meta-ads']?.days['2025-11-10']?.spend).toBe('6202.00');
    expect(summary.events).toEqual({ received: 6, accepted: 6, superseded: 2, duplicates: 0, quarantined: 0 });
  }, 60_000);

  it('shopify: one payload per line; what cannot be mapped is refused with its reason', async () => {
    const configPath = write('config.json', JSON.stringify(CONFIG));
    const order = fixture('shopify-orders-create.json').trim();
    const refund = fixture('shopify-refunds-create.json').trim();
    const input = write('shopify.ndjson', `${order}\n\n${order.replace('"currency":"USD"', '"currency":"EUR"')}\n${refund}\n`);
    const out = join(dir, 'shopify-out.ndjson');
    const result = await sentinel('convert', '--source', 'shopify', '--config', configPath, '--in', input, '--out', out);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('refused line 3: shopify order 820982911946154508: the shop sells in EUR; channel own-store reports in USD');
    expect(result.stderr).toContain('convert: 2 events, 1 refused');
    const events = readFileSync(out, 'utf8').trim().split('\n');
    const summary = await backtest({ config: CONFIG, lines: events });
    expect(summary.events).toMatchObject({ received: 2, accepted: 2, quarantined: 0 });
  }, 60_000);

  it('refuses a bad command line with exit 2', async () => {
    const result = await sentinel('convert', '--source', 'tiktok', '--config', 'x.json', '--in', 'y.json');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('convert needs --source shopify|douyin|meta|google-ads');
  });
});

describe('sentinel pull', () => {
  it("pulls the mapped Meta account's Insights pages from the API (a recorded server here) into replayable NDJSON", async () => {
    const page = fixture('meta-insights-page.json');
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(`${req.url} ${req.headers.authorization}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(page);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const configPath = write('pull-config.json', JSON.stringify(CONFIG));
      const credentials = write(
        'pull-credentials.json',
        JSON.stringify({ meta: { accessToken: 'token-123' }, metaUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v21.0` }),
      );
      const result = await sentinel('pull', '--config', configPath, '--credentials', credentials, '--days', '2', '--at', '2025-11-11T09:00:00+08:00');
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('pull meta 1234567890 2025-11-10…2025-11-11: 1 page(s), 2 report(s)');
      expect(requests).toHaveLength(1);
      expect(requests[0]).toMatch(/^\/v21\.0\/act_1234567890\/insights\?.*time_range=.*2025-11-10.*2025-11-11.* Bearer token-123$/);
      const summary = await backtest({ config: CONFIG, lines: result.stdout.trim().split('\n') });
      expect(summary.channels['meta-ads']?.days['2025-11-10']?.spend).toBe('6151.57');
      const missing = await sentinel('pull', '--config', configPath);
      expect(missing.code).toBe(2);
    } finally {
      server.close();
    }
  }, 60_000);
});
