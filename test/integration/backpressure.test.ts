/**
 * The local server under load and misuse (issue 11): a bounded backlog answers 429 with Retry-After before taking on
 * more than it can work off, and `sentinel push` waits and resends so nothing is lost; a data directory served by a
 * live process refuses a second server, and a lock left by a dead one is taken over.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postSigned, pushLines, pushReport } from '../../cli/local-commands.ts';
import { DataDirInUseError, LOCK_FILE, LocalServer } from '../../local/server.ts';
import { sentinel } from './cli.ts';
import { TWO_CHANNELS } from './harness.ts';

const root = mkdtempSync(join(tmpdir(), 'sentinel-backpressure-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sale = (i: number) => ({
  source: 'load.test',
  'detail-type': 'Sale Recorded',
  time: '2025-03-10T04:00:00Z',
  detail: {
    eventId: `e-${i}`,
    occurredAt: '2025-03-10T04:00:00Z',
    channelId: i % 2 ? 'a' : 'b',
    storeId: 's',
    orderId: `o-${i}`,
    currency: 'CNY',
    lines: [{ sku: 'X', quantity: 1, unitPrice: '10.00' }],
  },
});

describe('local server back-pressure and data-directory lock', () => {
  it('answers 429 with Retry-After past its backlog bound; push waits and resends until every line is accepted', async () => {
    const server = await LocalServer.start({
      dataDir: join(root, 'busy'),
      config: TWO_CHANNELS,
      port: 0,
      clock: 'events',
      maxQueued: 15,
      log: () => undefined,
    });
    try {
      const post = (events: unknown[]) => postSigned(server.url, server.credentials, JSON.stringify(events));
      // Four requests of ten at once against a bound of 15: the later ones find the backlog full.
      const responses = await Promise.all([0, 1, 2, 3].map((k) => post(Array.from({ length: 10 }, (_, i) => sale(k * 10 + i)))));
      const busy = responses.filter((r) => r.status === 429);
      expect(busy.length).toBeGreaterThan(0);
      expect(Number(busy[0]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const taken = responses.filter((r) => r.status === 202).length * 10;
      await server.idle();
      // The same 40 events again, plus 160 more, through push: it waits out every 429 and loses nothing.
      const lines = Array.from({ length: 200 }, (_, i) => JSON.stringify(sale(i)));
      const drained: number[] = [];
      const result = await pushLines(server.url, server.credentials, lines, undefined, (queued) => drained.push(queued));
      expect(result.refused).toEqual([]);
      expect(result.accepted).toBe(200);
      await server.idle();
      const summed = (await server.pipeline.intake.duplicates()).length;
      expect(summed).toBe(taken); // what the first round took is a duplicate now; everything else was new
      // Push says so itself, from the server's intake log: taken earlier → duplicates, the rest new, none quarantined.
      expect(result.ingested).toEqual({ new: 200 - taken, superseded: 0, duplicates: taken, quarantined: {} });
      expect(drained.at(-1)).toBe(0);
      expect(pushReport(result)).toContain(`ingested: ${200 - taken} new, ${taken} duplicates, 0 quarantined`);
      // A conflicting redelivery is named by reason at the end of the push.
      const conflicting = await pushLines(server.url, server.credentials, [
        JSON.stringify({ ...sale(7), detail: { ...sale(7).detail, lines: [{ sku: 'X', quantity: 2, unitPrice: '10.00' }] } }),
      ]);
      expect(conflicting.ingested).toEqual({ new: 0, superseded: 0, duplicates: 0, quarantined: { conflicting_duplicate: 1 } });
      expect(pushReport(conflicting)).toMatch(/conflicting_duplicate: 1/);
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('ingests a burst of concurrent signed posts completely, and a push after it returns', async () => {
    const server = await LocalServer.start({ dataDir: join(root, 'burst'), config: TWO_CHANNELS, port: 0, clock: 'events', log: () => undefined });
    try {
      // Sixteen quick posts of one event each, all at once: the case that used to leave `queued: 15` for minutes.
      const responses = await Promise.all(Array.from({ length: 16 }, (_, i) => postSigned(server.url, server.credentials, JSON.stringify([sale(1000 + i)]))));
      expect(responses.map((r) => r.status)).toEqual(Array(16).fill(202));
      const result = await pushLines(server.url, server.credentials, [JSON.stringify(sale(2000))]);
      expect(result.ingested.new).toBe(1);
      expect(server.status()).toMatchObject({ queued: 0, busy: false });
      let stored = 0n;
      for (const channel of ['a', 'b']) for (const totals of (await server.pipeline.aggregates.hours(channel)).values()) stored += totals.events;
      expect(stored).toBe(17n);

      // `sentinel push FILE` as a user runs it: a BOM before the first line, and a hostile event (our own reserved
      // source) between good ones. The webhook refuses a request whole, so push sends its events again one by one:
      // only the hostile line and the non-event are refused, the good ones are taken in.
      const file = join(root, 'hostile.ndjson');
      const reserved = { ...sale(3001), source: 'channel-sentinel' };
      writeFileSync(file, `\uFEFF${[sale(3000), reserved, sale(3002), 'null'].map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`);
      const pushed = await sentinel('push', file, '--data', join(root, 'burst'), '--url', server.url);
      expect(pushed.code, pushed.stderr).toBe(0);
      expect(pushed.stdout).toContain('pushed 4 lines: 2 accepted by the webhook, 2 refused');
      expect(pushed.stdout).toContain('ingested: 2 new, 0 duplicates, 0 quarantined');
      expect(pushed.stdout).toMatch(/line 2: 400 .*reserved/);
      expect(pushed.stdout).toMatch(/line 4: 400 /);
      expect(pushed.stdout).not.toMatch(/line [13]:/);
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('refuses a second server on a directory a live process serves, and takes over a stale lock', async () => {
    const dir = join(root, 'locked');
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await LocalServer.start({ dataDir: dir, config: TWO_CHANNELS, port: 0, log: () => undefined }).then(
        (s) => s.stop(),
        () => undefined,
      );
      writeFileSync(join(dir, LOCK_FILE), `${holder.pid}\n`);
      await expect(LocalServer.start({ dataDir: dir, config: undefined, port: 0, log: () => undefined })).rejects.toThrow(DataDirInUseError);
      // A command on the database refuses too: the embedded runtime is its data directory's only writer.
      const listed = await sentinel('alerts', 'list', '--data', dir);
      expect(listed.code).toBe(2);
      expect(listed.stderr).toMatch(/is using .*locked.*use its console or API/);
    } finally {
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('exit', resolve));
    }
    // The holder is gone: its lock is stale, and the next start takes it over.
    const server = await LocalServer.start({ dataDir: dir, config: undefined, port: 0, log: () => undefined });
    await server.stop();
  }, 120_000);
});
