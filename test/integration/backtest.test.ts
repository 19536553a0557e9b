import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backtest } from '../../local/backtest.ts';
import { generateDemo } from '../../local/demo-scenario.ts';
import { replay } from '../../local/replay.ts';
import { informativeChannels, mergeByTime } from './harness.ts';

/** Both runs of one history: every outbound line (alerts and proposals, in order) and the summary. */
async function both(config: unknown, lines: readonly string[]) {
  const replayed: string[] = [];
  const backtested: string[] = [];
  const [r, b] = await Promise.all([replay({ config, lines, emit: (l) => replayed.push(l) }), backtest({ config, lines, emit: (l) => backtested.push(l) })]);
  return { replayed, backtested, replaySummary: r, backtestSummary: b };
}

describe('sentinel backtest against sentinel replay', () => {
  it('publishes the same alerts and proposals, line for line, on the demo scenario', async () => {
    // Three days at a tenth of the volume, and one event after the third midnight: the rules, the daily job and the
    // reviews (the Sunday closes a week) run. (A replay's cost is its simulated days: every channel is swept every
    // 15 minutes.) Two channels whose GMV answers spend exactly join it, so the job proposes from three days of data
    // (a curve needs three; the noisy demo channels alone cannot tell a direction so soon).
    const demo = generateDemo({ days: 3, volume: 0.1 });
    const informative = informativeChannels('2025-11-01', 3);
    const config = {
      ...demo.config,
      channels: [...(demo.config.channels as unknown[]), ...informative.channels],
      reallocation: { ...(demo.config.reallocation as object), minDays: 3 },
    };
    const afterClose = JSON.stringify({
      source: 'ads',
      'detail-type': 'Traffic Recorded',
      time: '2025-11-03T16:05:00Z',
      detail: { eventId: 'after-close', occurredAt: '2025-11-04T00:05:00+08:00', channelId: 'ads-strong', visits: 1 },
    });
    const run = await both(config, [...mergeByTime(demo.lines, informative.lines), afterClose]);
    expect(run.replayed.some((l) => l.includes('"Alert Raised"'))).toBe(true);
    expect(run.replayed.some((l) => l.includes('"Budget Reallocation Proposed"'))).toBe(true);
    expect(run.replayed.some((l) => l.includes('"Review Published"') && l.includes('"rev-week-2025-10-27"'))).toBe(true);
    expect(run.backtested).toEqual(run.replayed);
    expect(run.backtestSummary).toEqual(run.replaySummary);
  }, 240_000);

  it('agrees on property-generated histories: other seeds, redeliveries and late copies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 40 }), async (seed, copies) => {
        const scenario = generateDemo({ seed, days: 1, volume: 0.1 });
        const lines = [...scenario.lines];
        // A redelivery: some line again, later in the file (at least once, unordered).
        for (const [from, offset] of copies)
          lines.splice(Math.min(lines.length, (from % lines.length) + 1 + (offset % 50)), 0, lines[from % lines.length] as string);
        const run = await both(scenario.config, lines);
        expect(run.backtested).toEqual(run.replayed);
        expect(run.backtestSummary).toEqual(run.replaySummary);
      }),
      { numRuns: 2 },
    );
  }, 300_000);
});
