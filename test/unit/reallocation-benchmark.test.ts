/**
 * The reallocation benchmark's own truth: its optimum (a greedy exchange on the true curves) must match the closed
 * form where one exists, or every figure it reports about the planner is measured against the wrong answer.
 */
import { describe, expect, it } from 'vitest';
import { judge, normalCdf, SETTINGS, trueOptimum, world } from '../../bench/reallocation-quality.ts';
import { planReallocation } from '../../shared/domain/budgets/reallocation.ts';

describe('the reallocation benchmark', () => {
  it('finds the closed-form optimum of two power-law channels with the same elasticity', () => {
    // GMV_i = a_i·x^b: marginal ROIs meet where x_i ∝ a_i^(1/(1-b)); with a = 2 and 3, b = 0.5, total 2,000,000.
    const b = 0.5;
    const curves = [(x: number) => 2 * x ** b, (x: number) => 3 * x ** b];
    const x = trueOptimum(curves, [1_000_000, 1_000_000], { ...SETTINGS, maxShiftPct: 100 });
    const share = 2 ** 2 / (2 ** 2 + 3 ** 2);
    expect(x[0]! / 2_000_000).toBeCloseTo(share, 3);
    expect(x[0]! + x[1]!).toBeCloseTo(2_000_000, 0);
  });

  it('stops at the ±maxShiftPct bound when the optimum lies beyond it', () => {
    const curves = [(x: number) => 1 * x ** 0.5, (x: number) => 10 * x ** 0.5];
    const x = trueOptimum(curves, [1_000_000, 1_000_000], SETTINGS);
    expect(x[0]).toBeCloseTo(800_000, -1);
    expect(x[1]).toBeCloseTo(1_200_000, -1);
  });

  it('judges a world on its true curves: the achievable gain is never below what any plan gains', () => {
    for (const family of ['hill', 'logistic', 'power'] as const)
      for (let seed = 1; seed <= 10; seed++) {
        const outcome = judge(world(family, 'bound', 0.05, seed));
        expect(outcome.achievable).toBeGreaterThanOrEqual(outcome.trueGain - 1e-6 * Math.abs(outcome.trueGain) - 1);
      }
  });

  it('reads a range’s chance of a loss with the normal table’s values', () => {
    // Printed tables: Φ(0) = 0.5, Φ(−1.6449) = 0.05, Φ(1.96) = 0.975, Φ(−3) = 0.00135.
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(-1.6449)).toBeCloseTo(0.05, 4);
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 4);
    expect(normalCdf(-3)).toBeCloseTo(0.00135, 5);
    // A proposal is made only when its range's low end clears zero: it announces less than a 5 % chance of a loss.
    const outcome = judge(world('power', 'bound', 0.05, 1));
    expect(outcome.proposed).toBe(true);
    expect(outcome.lossChance).toBeGreaterThan(0);
    expect(outcome.lossChance).toBeLessThan(0.05);
  });

  it('draws the history it is asked for: --days distinct days per channel, spend within ±--spread of the budget', () => {
    const w = world('hill', 'interior', 0.05, 3, { days: 28, spread: 0.4 });
    const logs: number[] = [];
    for (const input of w.inputs) {
      expect(new Set(input.days.map((d) => d.day)).size).toBe(28);
      for (const d of input.days) logs.push(Math.log(Number(d.spend) / Number(input.budget)));
    }
    expect(Math.max(...logs.map(Math.abs))).toBeLessThanOrEqual(0.4 + 1e-6);
    // Wider than the default's ±25 %: the spread is used, not ignored.
    expect(Math.max(...logs.map(Math.abs))).toBeGreaterThan(0.3);
    expect(world('hill', 'interior', 0.05, 3).inputs[0]?.days).toHaveLength(14);
  });
});

describe('the planner on worlds it did not write', () => {
  it('captures most of the achievable gain at 5 % noise: it moves as far as the median re-made plan, not the most timid', () => {
    // 40 bound-hitting worlds of each family (Robyn's Hill, PyMC-Marketing's logistic, the power law). Moving only as
    // far as 95 % of the re-made plans reach captured a median of 64–75 % here; the bagged plan captures ~90 %.
    const outcomes = (['hill', 'logistic', 'power'] as const).flatMap((family) =>
      Array.from({ length: 40 }, (_, i) => judge(world(family, 'bound', 0.05, i + 1))).filter((o) => o.proposed && o.achievable > 0),
    );
    const captured = outcomes.map((o) => o.trueGain / o.achievable).sort((a, b) => a - b);
    expect(outcomes.length).toBeGreaterThan(80);
    expect(captured[Math.floor(captured.length / 2)]).toBeGreaterThan(0.85);
    // Rare, small misses where a power law is fitted to a Hill curve and overshoots its bend.
    expect(outcomes.filter((o) => o.trueGain < 0).length / outcomes.length).toBeLessThanOrEqual(0.035);
  });

  it('at 5 % noise, no proposal loses where the optimum lies inside ±20 %: its range also sees the saturating shape', () => {
    // 40 interior worlds of each family. Ranges from the power law's posterior alone: 78 proposals, 3 losing (a power
    // law overshooting a Hill or logistic curve's bend); pooled with refits where both families compete: 68, none.
    const made = (['hill', 'logistic', 'power'] as const)
      .flatMap((family) => Array.from({ length: 40 }, (_, i) => judge(world(family, 'interior', 0.05, i + 1))))
      .filter((o) => o.proposed);
    expect(made.length).toBeGreaterThan(55);
    expect(made.filter((o) => o.trueGain < 0)).toEqual([]);
  });

  it('at 15 % noise, realises more of the achievable gain and loses less often: a noisy slope no longer passes for a sure one', () => {
    // Every family and optimum, 40 worlds each. Slopes by least squares alone, refitted on resampled days: 55 proposals,
    // 7 losing GMV in truth, realising 15.9 % of all the achievable gain. With the elasticity prior, the posterior draws
    // and ranges that also see the saturating shape: 63 proposals, 6 losing, 23.6 % realised.
    const worlds = (['hill', 'logistic', 'power'] as const).flatMap((family) =>
      (['interior', 'bound'] as const).flatMap((regime) => Array.from({ length: 40 }, (_, i) => judge(world(family, regime, 0.15, i + 1)))),
    );
    const made = worlds.filter((o) => o.proposed);
    const realised = made.reduce((s, o) => s + o.trueGain, 0) / worlds.reduce((s, o) => s + Math.max(0, o.achievable), 0);
    expect(made.length).toBeGreaterThan(45);
    expect(made.filter((o) => o.trueGain < 0).length / made.length).toBeLessThanOrEqual(0.1);
    expect(realised).toBeGreaterThan(0.2);
    // The gain stated for them is not flattered by their having been proposed at all: the median stated ÷ true gain
    // among those that gain was 1.41 with the posterior median stated as is, 1.10 shrunk by its noise share.
    const ratios = made
      .filter((o) => o.trueGain > 0)
      .map((o) => o.stated / o.trueGain)
      .sort((a, b) => a - b);
    expect(ratios[Math.floor(ratios.length / 2)]).toBeGreaterThan(0.8);
    expect(ratios[Math.floor(ratios.length / 2)]).toBeLessThan(1.25);
  });

  it('a stricter reallocation.lossRiskPct only ever withholds proposals, and withholds the riskier ones', () => {
    // The same 15 %-noise worlds planned at the default 5 % and at 1 %: the same draws, a lower percentile above zero.
    const worlds = (['hill', 'logistic', 'power'] as const).flatMap((family) =>
      (['interior', 'bound'] as const).flatMap((regime) => Array.from({ length: 20 }, (_, i) => world(family, regime, 0.15, i + 1))),
    );
    const loose = worlds.map((w) => judge(w, SETTINGS));
    const strict = worlds.map((w) => judge(w, { ...SETTINGS, lossRiskPct: 1 }));
    for (const [i, o] of strict.entries()) if (o.proposed) expect(loose[i]).toMatchObject({ proposed: true, trueGain: o.trueGain });
    const withheld = loose.filter((o, i) => o.proposed && !(strict[i] as typeof o).proposed);
    expect(withheld.length).toBeGreaterThan(0);
    const losing = (xs: typeof loose) => xs.filter((o) => o.proposed && o.trueGain < 0).length;
    expect(losing(strict)).toBeLessThanOrEqual(losing(loose));
  });

  it('a plan held back by its range says what it would have done: the budgets the looser risk proposes, and its range', () => {
    // Withheld plans are what the benchmark judges the range's calibration on before the selection; if they carried
    // other budgets or another range than the proposal they would have been, that table would measure something else.
    const worlds = (['hill', 'logistic', 'power'] as const).flatMap((family) =>
      (['interior', 'bound'] as const).flatMap((regime) => Array.from({ length: 10 }, (_, i) => world(family, regime, 0.15, i + 1))),
    );
    let compared = 0;
    let reachingZero = 0;
    for (const w of worlds) {
      const loose = planReallocation(w.inputs, SETTINGS);
      const strict = planReallocation(w.inputs, { ...SETTINGS, lossRiskPct: 1 });
      if (loose.moves.length > 0) expect(loose.withheld).toBeUndefined();
      if (loose.withheld) {
        reachingZero += 1;
        expect(loose.withheld.gain.low <= 0n).toBe(true);
        expect(loose.noProposal).toMatch(/90 % range reaches down to/);
      }
      if (loose.moves.length === 0 || strict.moves.length > 0) continue;
      compared += 1;
      const proposed = new Map(loose.channels.map((c) => [c.channelId, c.after]));
      for (const b of strict.withheld?.budgets ?? []) expect(b.after).toBe(proposed.get(b.channelId));
      expect(strict.withheld?.budgets.some((b) => b.after !== w.inputs.find((i) => i.channelId === b.channelId)?.budget)).toBe(true);
      expect(strict.withheld?.gain).toMatchObject({ median: loose.gain.median, high: loose.gain.high });
      expect(judge(w, { ...SETTINGS, lossRiskPct: 1 }).gated?.trueGain).toBe(judge(w, SETTINGS).trueGain);
    }
    expect(compared).toBeGreaterThan(0);
    expect(reachingZero).toBeGreaterThan(0);
  });
});
