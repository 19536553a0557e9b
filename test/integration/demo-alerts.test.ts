import { describe, expect, it } from 'vitest';
import { generateDemo, matchIncidents } from '../../local/demo-scenario.ts';
import { backtest } from '../../local/backtest.ts';
import { outboundEvents } from '../../events/outbound.ts';
import { MIN_DIRECTION_CONFIDENCE } from '../../shared/domain/budgets/reallocation.ts';
import './harness.ts';

// The whole 14-day demo runs through `sentinel backtest`: the same domain code as replay on in-memory ports, in seconds
// instead of minutes. That both publish the same lines is proven on their own in backtest.test.ts.
describe('the demo scenario', () => {
  it('catches every staged incident, raises nothing else, and resolves what it raised', async () => {
    const demo = generateDemo({ days: 14 }); // exactly `npm run demo`'s scenario
    const outbound: { 'detail-type': string; time: string; source: string; detail: Record<string, unknown> }[] = [];
    await backtest({ config: demo.config, lines: demo.lines, emit: (line) => outbound.push(JSON.parse(line)) });

    for (const e of outbound) {
      expect(e.source).toBe('channel-sentinel');
      const definition = outboundEvents.find((d) => d.detailType === e['detail-type']);
      expect(definition?.detail.safeParse(e.detail).success, JSON.stringify(e)).toBe(true);
    }
    const { caught, unexplained } = matchIncidents(outbound, demo.incidents);
    expect(demo.incidents).toHaveLength(6);
    for (const incident of demo.incidents) expect(caught.get(incident)?.length ?? 0, incident.description).toBeGreaterThan(0);
    expect(unexplained.map((e) => `${e.detail.rule} ${e.detail.channelId} ${e.time}: ${e.detail.summary}`)).toEqual([]);

    // Each alertId is raised once and resolved at most once.
    const raisedIds = outbound.filter((e) => e['detail-type'] === 'Alert Raised').map((e) => e.detail.alertId);
    const resolvedIds = outbound.filter((e) => e['detail-type'] === 'Alert Resolved').map((e) => e.detail.alertId);
    expect(new Set(raisedIds).size).toBe(raisedIds.length);
    expect(new Set(resolvedIds).size).toBe(resolvedIds.length);
    for (const id of resolvedIds) expect(raisedIds).toContain(id);

    // The daily job proposed on the closed days whose data could tell a direction (it abstains on the others); each
    // proposal gave way to the next, conserves the total to the fen, moves only channels it is sure of, and asks for a
    // spend test on the pop-up counter, whose spend never varies.
    const proposed = outbound.filter((e) => e['detail-type'] === 'Budget Reallocation Proposed');
    const expired = outbound.filter((e) => e['detail-type'] === 'Budget Reallocation Expired');
    expect(proposed.length).toBeGreaterThanOrEqual(1);
    for (const p of proposed) {
      const moved = new Set((p.detail.budgets as { channelId: string }[]).map((b) => b.channelId));
      for (const c of p.detail.channels as { channelId: string; directionConfidence?: number }[])
        if (moved.has(c.channelId)) expect(c.directionConfidence).toBeGreaterThanOrEqual(MIN_DIRECTION_CONFIDENCE);
      expect((p.detail.spendTests as { channelId: string }[]).map((t) => t.channelId)).toContain('popup-sh');
    }
    expect(expired.map((e) => e.detail.proposalId)).toEqual(proposed.slice(0, -1).map((e) => e.detail.proposalId));
    for (const p of proposed) {
      const budgets = p.detail.budgets as { before: string; after: string }[];
      const fen = (k: 'before' | 'after') => budgets.reduce((s, b) => s + BigInt(b[k].replace('.', '')), 0n);
      expect(fen('after')).toBe(fen('before'));
    }
  }, 600_000);
});
