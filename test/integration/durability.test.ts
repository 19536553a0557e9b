import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postSigned, pushLines } from '../../cli/local-commands.ts';
import { MONEY_FIELDS, rollUpDays, type Totals, zeroTotals } from '../../shared/domain/aggregation.ts';
import { SUMMARY_DAY_FIELDS } from '../../local/replay.ts';
import { formatMoney } from '../../shared/kernel/money.ts';
import { backtest } from '../../local/backtest.ts';
import { generateDemo } from '../../local/demo-scenario.ts';
import { LocalPipeline } from '../../local/pipeline.ts';
import { CREDENTIALS_FILE, type LocalCredentials } from '../../local/server.ts';
import { exited, startServerProcess } from './harness.ts';

// `npm start` answers the webhook 202 only once the events are on disk: kill -9 the server while it is still
// ingesting what it acknowledged, start it again on the same directory, and every acknowledged event is counted once.
const dir = mkdtempSync(join(tmpdir(), 'sentinel-durable-'));
// Whatever fails, no server this test started outlives it (each one's DynamoDB Local follows it within a second).
const servers: ChildProcess[] = [];
afterAll(async () => {
  for (const child of servers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 1500));
  rmSync(dir, { recursive: true, force: true });
});

// Tracked as soon as it is spawned, so afterAll can kill it whatever fails.
const start = (args: string[]) => startServerProcess(['--data', dir, '--clock', 'events', ...args], (child) => servers.push(child));

describe('npm start under kill -9', () => {
  it('loses no acknowledged event and counts none twice', async () => {
    const scenario = generateDemo({ days: 1, volume: 0.2 });
    const configPath = join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify(scenario.config));
    const events = scenario.lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as unknown];
      } catch {
        return [];
      }
    });

    const first = await start(['--config', configPath]);
    const credentials = JSON.parse(readFileSync(join(dir, CREDENTIALS_FILE), 'utf8')) as LocalCredentials;
    const acknowledged: string[] = [];
    // The kill comes at a random point of the push (logged, so a failure can be replayed with KILL_AFTER=n).
    const killAfter = Number(process.env.KILL_AFTER ?? 20 + Math.floor(Math.random() * 30));
    console.info(`durability: kill -9 after ${killAfter} posts of 10 events`);
    for (let i = 0; i < killAfter * 10 && i < events.length; i += 10) {
      const batch = events.slice(i, i + 10);
      const response = await postSigned(first.url, credentials, JSON.stringify(batch));
      if (response.status === 202) acknowledged.push(...batch.map((e) => JSON.stringify(e)));
    }
    const status = (await (await fetch(`${first.url}/api/status`, { headers: { authorization: `Bearer ${credentials.tokens.ops}` } })).json()) as {
      queued: number;
    };
    first.child.kill('SIGKILL');
    await exited(first.child);
    // No orphan: the DynamoDB Local the killed server started dies with it (its watchdog sees the parent gone).
    const javaOnDir = () =>
      execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
        .split('\n')
        .filter((args) => args.includes('DynamoDBLocal') && args.includes(dir) && !args.startsWith('sh ')).length;
    for (let waited = 0; javaOnDir() > 0 && waited < 15_000; waited += 250) await new Promise((r) => setTimeout(r, 250));
    expect(javaOnDir()).toBe(0);
    // The kill came while acknowledged events were still waiting: the case that used to lose them.
    expect(status.queued).toBeGreaterThan(0);
    expect(acknowledged.length).toBeGreaterThan(100);

    const second = await start([]);
    for (;;) {
      const s = (await (await fetch(`${second.url}/api/status`, { headers: { authorization: `Bearer ${credentials.tokens.ops}` } })).json()) as {
        queued: number;
        busy: boolean;
      };
      if (s.queued === 0 && !s.busy) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // Every acknowledged event was stored, once: the producer re-pushes the whole file (it cannot know what the
    // dead server kept) and exactly what was never acknowledged is new — an acknowledged event lost would be new
    // again, one counted twice would make fewer new.
    const repushed = await pushLines(second.url, credentials, scenario.lines);
    second.child.kill('SIGINT');
    await exited(second.child);

    /** Per channel and business day, the figures the database holds (the server stopped meanwhile). */
    const stored = async () => {
      const pipeline = await LocalPipeline.start({ config: undefined, dataDir: dir });
      try {
        const days: Record<string, Record<string, Totals>> = {};
        let events = 0n;
        for (const channel of pipeline.config.channels) {
          days[channel.id] = {};
          for (const [day, totals] of rollUpDays(await pipeline.aggregates.hours(channel.id))) {
            (days[channel.id] as Record<string, Totals>)[day] = totals;
            events += totals.events;
          }
        }
        return { days, events: Number(events) };
      } finally {
        await pipeline.stop();
      }
    };
    const clean = await backtest({ config: scenario.config, lines: scenario.lines });
    const acknowledgedAccepted = (await backtest({ config: scenario.config, lines: acknowledged })).events.accepted;
    expect(repushed.ingested.new).toBe(clean.events.accepted - acknowledgedAccepted);
    // …and the aggregates equal a clean replay of the file, day by day and figure by figure.
    const after = await stored();
    expect(after.events).toBe(clean.events.accepted);
    for (const [channelId, { days }] of Object.entries(clean.channels))
      for (const [day, figures] of Object.entries(days)) {
        const totals = after.days[channelId]?.[day] ?? zeroTotals();
        for (const field of SUMMARY_DAY_FIELDS)
          expect(MONEY_FIELDS.has(field) ? formatMoney(totals[field], 'CNY') : Number(totals[field]), `${channelId} ${day} ${field}`).toBe(figures[field]);
      }
  }, 240_000);
});
