import { type ChildProcess, spawn } from 'node:child_process';
import { routeLogsToStderr } from '../../local/quiet-logging.ts';
import { type DynamoLocal, startDynamoLocal } from '../../local/dynamodb-local.ts';
import { LocalPipeline, type PipelineOptions } from '../../local/pipeline.ts';

routeLogsToStderr('CRITICAL');

let tableSeq = 0;

/** One DynamoDB Local per test file (a fresh process: it slows as state accumulates); fresh tables per pipeline. */
export function dynamoLocalPerFile(hooks: { beforeAll: (fn: () => Promise<void>, timeout?: number) => void; afterAll: (fn: () => Promise<void>) => void }) {
  let db: DynamoLocal | undefined;
  hooks.beforeAll(async () => {
    db = await startDynamoLocal();
  }, 60_000);
  hooks.afterAll(async () => {
    await db?.stop();
  });
  return {
    pipeline: (options: Omit<PipelineOptions, 'db' | 'tables'>) => {
      if (!db) throw new Error('DynamoDB Local not started');
      tableSeq += 1;
      return LocalPipeline.start({ ...options, db, tables: { events: `events-${tableSeq}`, state: `state-${tableSeq}` } });
    },
  };
}

export const TWO_CHANNELS = {
  timezone: 'Asia/Shanghai',
  channels: [
    { id: 'a', name: 'Channel A', kind: 'marketplace', currency: 'CNY', budget: { daily: '1000.00' } },
    { id: 'b', name: 'Channel B', kind: 'live_stream', currency: 'CNY', budget: { daily: '1000.00' } },
  ],
};

/** Three channels with known response curves: douyin-live strong, tmall middling, group-buy weak. */
const CURVES = { 'douyin-live': { a: 60, b: 0.7 }, tmall: { a: 40, b: 0.6 }, 'group-buy': { a: 30, b: 0.5 } } as const;
export const REALLOCATION_CONFIG = {
  timezone: 'Asia/Shanghai',
  channels: [
    { id: 'douyin-live', name: 'Douyin live room', kind: 'live_stream', currency: 'CNY', budget: { daily: '10000.00' } },
    { id: 'tmall', name: 'Tmall flagship', kind: 'marketplace', currency: 'CNY', budget: { daily: '15000.00' } },
    { id: 'group-buy', name: 'Community group-buy', kind: 'group_buy', currency: 'CNY', budget: { daily: '25000.00' } },
  ],
  reallocation: { lookbackDays: 14, minDays: 7, maxShiftPct: 20, minDailyBudget: '500.00' },
};

/**
 * 1–10 November 2025: one spend and one sale per channel and day (replay lines), spend varying ±25 % around 60 % of
 * the budget (under the 80 % warning), GMV from the channel's curve.
 */
export function REALLOCATION_HISTORY(): string[] {
  const lines: string[] = [];
  const fmt = (minor: number) => (minor / 100).toFixed(2);
  for (let day = 1; day <= 10; day++) {
    for (const channel of REALLOCATION_CONFIG.channels) {
      const curve = CURVES[channel.id as keyof typeof CURVES];
      const spend = Math.round(Number(channel.budget.daily) * 100 * 0.6 * (1 + 0.25 * Math.sin(day * 1.7 + channel.id.length)));
      const occurredAt = `2025-11-${String(day).padStart(2, '0')}T12:00:00+08:00`;
      const time = new Date(Date.parse(occurredAt)).toISOString();
      lines.push(
        JSON.stringify({
          source: 'ads',
          'detail-type': 'Ad Spend Recorded',
          time,
          detail: { eventId: `spend-${day}`, occurredAt, channelId: channel.id, campaignId: 'c1', spend: fmt(spend), currency: 'CNY' },
        }),
        JSON.stringify({
          source: 'shop',
          'detail-type': 'Sale Recorded',
          time,
          detail: {
            eventId: `sale-${day}`,
            occurredAt,
            channelId: channel.id,
            storeId: 's1',
            orderId: `o-${day}`,
            currency: 'CNY',
            lines: [{ sku: 'SKU', quantity: 1, unitPrice: fmt(Math.round(curve.a * spend ** curve.b)) }],
          },
        }),
      );
    }
  }
  return lines;
}

/**
 * Two ad channels whose GMV answers spend exactly (GMV = a·√spend, no noise; spend spread over the day's hours, varying ±25 % a day at 60 % of
 * a 10,000 budget), to add to a short scenario so the daily job has a case the data can tell from a few days: the
 * strong one's average ROI is 5, the weak one's 2.75 (above the default ROI floor). In HKD, so they form their own
 * pool (budget moves only within a currency): the noisy demo channels' uncertainty does not spread to them.
 */
export function informativeChannels(startDay: string, days: number) {
  const channels = [
    { id: 'ads-strong', name: 'Search ads (strong)', kind: 'search_ads', currency: 'HKD', budget: { daily: '10000.00' } },
    { id: 'ads-weak', name: 'Display ads (weak)', kind: 'social_content', currency: 'HKD', budget: { daily: '10000.00' } },
  ];
  const a = { 'ads-strong': 3873, 'ads-weak': 2130 } as const;
  const lines: string[] = [];
  const fmt = (minor: number) => (minor / 100).toFixed(2);
  for (let d = 0; d < days; d++) {
    for (const channel of channels) {
      const spend = Math.round(600_000 * (1 + 0.25 * Math.sin(d * 2.1 + channel.id.length)));
      const gmv = Math.round(a[channel.id as keyof typeof a] * Math.sqrt(spend));
      // Spent and sold evenly over the day's 24 hours (pacing sees an ordinary day), to the fen.
      for (let h = 0; h < 24; h++) {
        const at = Date.parse(`${startDay}T00:30:00+08:00`) + d * 86_400_000 + h * 3_600_000;
        const occurredAt = `${new Date(at + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
        const time = new Date(at).toISOString();
        const part = (total: number) => Math.floor(total / 24) + (h < total % 24 ? 1 : 0);
        lines.push(
          JSON.stringify({
            source: 'ads',
            'detail-type': 'Ad Spend Recorded',
            time,
            detail: { eventId: `${channel.id}-spend-${d}-${h}`, occurredAt, channelId: channel.id, campaignId: 'c1', spend: fmt(part(spend)), currency: 'HKD' },
          }),
          JSON.stringify({
            source: 'shop',
            'detail-type': 'Sale Recorded',
            time,
            detail: {
              eventId: `${channel.id}-sale-${d}-${h}`,
              occurredAt,
              channelId: channel.id,
              storeId: 's1',
              orderId: `${channel.id}-o-${d}-${h}`,
              currency: 'HKD',
              lines: [{ sku: 'SKU', quantity: 1, unitPrice: fmt(part(gmv)) }],
            },
          }),
        );
      }
    }
  }
  return { channels, lines };
}

/** `extra` lines placed into `base` in arrival order (by `time`; base lines that do not parse keep their place). */
export function mergeByTime(base: readonly string[], extra: readonly string[]): string[] {
  const timeOf = (line: string) => {
    try {
      return Date.parse((JSON.parse(line) as { time?: string }).time ?? '');
    } catch {
      return Number.NaN;
    }
  };
  const pending = [...extra].sort((x, y) => timeOf(x) - timeOf(y));
  const out: string[] = [];
  for (const line of base) {
    const t = timeOf(line);
    while (pending.length > 0 && !Number.isNaN(t) && timeOf(pending[0] as string) <= t) out.push(pending.shift() as string);
    out.push(line);
  }
  return [...out, ...pending];
}

/**
 * `sentinel start` as a child process (what a user runs): resolves with its URL once it prints it; rejects if it
 * exits first or has not started within a minute. `spawned` sees the child at once (to kill it whatever happens).
 */
export function startServerProcess(args: readonly string[], spawned?: (child: ChildProcess) => void): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['bin/sentinel.js', 'start', '--port', '0', ...args], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  spawned?.(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ child, url });
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}) before it started:\n${out}`)));
  });
}

/** Resolves once the child process has exited (at once if it already has). */
export const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
