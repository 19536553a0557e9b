import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'sentinel-hostile-'));
const channel = (id: string) => ({ id, name: id, kind: 'marketplace', currency: 'CNY', budget: { daily: '20000.00' } });
const CONFIG = { timezone: 'Asia/Shanghai', channels: [channel('tmall'), channel('cn'), channel('cn#jp')] };
const sale = (eventId: string, time: string, source = 'hostile.test', channelId = 'tmall') =>
  JSON.stringify({
    source,
    'detail-type': 'Sale Recorded',
    time,
    detail: {
      eventId,
      occurredAt: '2025-01-15T18:00:00+08:00',
      channelId,
      storeId: 's',
      orderId: `o-${eventId}`,
      currency: 'CNY',
      lines: [{ sku: 'A', quantity: 1, unitPrice: '10.00' }],
    },
  });

// Issue 11's hostile lines, one file: each is counted and accepted, a duplicate or quarantined with a reason — none
// aborts the run, none moves the simulated clock unless it is admitted (a 2099 arrival would mean 36 h of sweeps).
const LINES = [
  `\uFEFF${sale('first', '2025-01-15T10:05:00Z')}`, // a byte-order mark before the first line
  'null',
  '[]',
  '42',
  '"a string"',
  '{}',
  sale('from-2099', '2099-01-01T00:00:00Z'), // arrives in 2099, happened in 2025: too late, and no clock jump
  sale('ours', '2025-01-15T10:06:00Z', 'channel-sentinel'), // our own source never comes back in
  sale('jp#e1', '2025-01-15T10:07:00Z', 'hostile.test', 'cn'), // these two are distinct events, not one
  sale('e1', '2025-01-15T10:07:00Z', 'hostile.test', 'cn#jp'),
  sale('lone-\ud800-surrogate', '2025-01-15T10:07:00Z'), // stored as UTF-8 it would become U+FFFD: refused
  sale('last', '2025-01-15T10:08:00Z'),
  // Larger than EventBridge carries (and than a DynamoDB item holds): refused as too_large, kept as a bounded prefix
  // with its size and SHA-256 — it used to fail ingest for good and abort the replay with exit 1.
  sale('huge', '2025-01-15T10:09:00Z')
    .replace('"customerId"', '"x"')
    .replace('"storeId":"s"', `"storeId":"s","note":"${'z'.repeat(450_000)}"`),
];

async function sentinel(command: 'replay' | 'backtest') {
  const config = join(dir, 'config.json');
  const events = join(dir, 'events.ndjson');
  const summary = join(dir, `${command}-summary.json`);
  writeFileSync(config, JSON.stringify(CONFIG));
  writeFileSync(events, LINES.map((l) => `${l}\n`).join(''));
  await run(
    process.execPath,
    ['bin/sentinel.js', command, '--config', config, '--events', events, '--summary', summary, '--out', join(dir, `${command}.ndjson`)],
    { cwd: process.cwd() },
  );
  return JSON.parse(readFileSync(summary, 'utf8')) as { events: Record<string, number>; quarantine: { line: number; reason: string }[] };
}

describe('hostile lines', () => {
  it.each(['backtest', 'replay'] as const)(
    '%s accounts for every line, exits 0, and refuses each with its reason',
    async (command) => {
      const summary = await sentinel(command);
      expect(summary.events).toEqual({ received: LINES.length, accepted: 4, superseded: 0, duplicates: 0, quarantined: LINES.length - 4 });
      expect(summary.quarantine.map((q) => `${q.line} ${q.reason}`)).toEqual([
        '2 schema_error',
        '3 schema_error',
        '4 schema_error',
        '5 schema_error',
        '6 unknown_detail_type', // an object no rule of the bus matches (it names no source)
        '7 too_late',
        '8 unknown_detail_type',
        '11 schema_error',
        '13 too_large',
      ]);
    },
    120_000,
  );
});
