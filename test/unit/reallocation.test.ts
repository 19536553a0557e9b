import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ChannelInput,
  type DayPoint,
  ELASTICITY_PRIOR_SD,
  elasticityAt,
  FALLBACK_ELASTICITY,
  fitResponse,
  marginalAt,
  MIN_DIRECTION_CONFIDENCE,
  planReallocation,
  powerPosterior,
  type ReallocationSettings,
  responseAt,
  selectionShrunk,
} from '../../shared/domain/budgets/reallocation.ts';
import { proposalFromPlan } from '../../shared/domain/budgets/proposal.ts';
import { BudgetReallocationProposedEvent } from '../../events/outbound.ts';
import { describeProposal, type ProposalView } from '../../cli/proposal-text.ts';

const SETTINGS: ReallocationSettings = { minDays: 7, maxShiftPct: 20, minDailyBudget: 50_000n, minGainPct: 0.5, quantum: 100n };

/** A deterministic noise source, so the known-answer tests are the same on every machine. */
function noise(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

/** Days drawn from a known curve GMV = a·spend^b, spend varying around `around` by ±spread, GMV noisy by ±noisePct. */
function daysFrom(a: number, b: number, around: number, seed: number, { spread = 0.35, noisePct = 5, n = 14 } = {}): DayPoint[] {
  const r = noise(seed);
  return Array.from({ length: n }, (_, i) => {
    const spend = Math.round(around * (1 - spread + 2 * spread * r()));
    const gmv = Math.round(a * spend ** b * (1 + ((2 * r() - 1) * noisePct) / 100));
    return { day: `2025-11-${String(i + 1).padStart(2, '0')}`, spend: BigInt(spend), gmv: BigInt(gmv) };
  });
}

describe('response curve', () => {
  it('recovers a known elasticity from varied spend', () => {
    const model = fitResponse(daysFrom(50, 0.6, 1_000_000, 7, { noisePct: 1 }));
    expect(model?.kind).toBe('log-log');
    expect(model?.b).toBeCloseTo(0.6, 1);
  });

  it('falls back, and says so, when spend did not vary', () => {
    const days = Array.from({ length: 10 }, (_, i) => ({ day: `d${i}`, spend: 1_000_000n, gmv: BigInt(3_000_000 + i * 1000) }));
    const model = fitResponse(days);
    expect(model).toMatchObject({ kind: 'fallback', b: 0.5 });
    // Through the average point: modelled GMV at the usual spend is the usual GMV.
    expect(responseAt(model!, 1_000_000) / 3_004_500).toBeCloseTo(1, 2);
  });

  it('clamps elasticity into (0, 1]: returns never grow with spend', () => {
    const convex = Array.from({ length: 10 }, (_, i) => ({
      day: `d${i}`,
      spend: BigInt(1000 * (i + 1)),
      gmv: BigInt(Math.round(2 * (1000 * (i + 1)) ** 1.5)),
    }));
    expect(fitResponse(convex)).toMatchObject({ kind: 'log-log', b: 1 });
    const flat = Array.from({ length: 10 }, (_, i) => ({ day: `d${i}`, spend: BigInt(1000 * (i + 1)), gmv: BigInt(5_000_000 - i) }));
    expect(fitResponse(flat)?.b).toBeGreaterThan(0);
  });

  it('weighs the slope against the elasticity prior by what the days can tell: clean days keep theirs, noisy days are pulled in', () => {
    const clean = fitResponse(daysFrom(50, 0.9, 1_000_000, 7, { noisePct: 1 }));
    expect(clean?.kind === 'log-log' && Math.abs(clean.b - 0.9)).toBeLessThan(0.03);
    let pulled = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const noisy = fitResponse(daysFrom(50, 0.9, 1_000_000, seed, { noisePct: 60, spread: 0.3 }));
      if (noisy?.kind !== 'log-log') continue;
      // Between the least-squares slope and the prior, strictly nearer the prior than the data alone would be.
      expect(Math.abs(noisy.b - FALLBACK_ELASTICITY)).toBeLessThanOrEqual(Math.abs(Math.min(1, Math.max(0.05, noisy.fittedB)) - FALLBACK_ELASTICITY));
      if (Math.abs(noisy.b - noisy.fittedB) > 0.1) pulled += 1;
    }
    expect(pulled).toBeGreaterThan(10);
  });

  it('says, in the proposal, how much of a pulled-in elasticity is belief rather than data', () => {
    const noisy = fitResponse(daysFrom(50, 0.9, 1_000_000, 3, { noisePct: 60, spread: 0.3 }));
    const clean = fitResponse(daysFrom(50, 0.6, 1_000_000, 7, { noisePct: 1 }));
    const channel = (channelId: string, model: typeof noisy, after: bigint) => ({
      channelId,
      decision: after > 1_000_000n ? ('receives' as const) : ('gives' as const),
      days: 14,
      model,
      meanSpend: 1_000_000n,
      meanGmv: 3_000_000n,
      averageRoi: 3,
      marginalRoi: 1.5,
      marginalRoiAfter: 1.5,
      directionConfidence: 0.95,
      before: 1_000_000n,
      after,
      lowerBound: 800_000n,
      upperBound: 1_200_000n,
    });
    const plan = {
      channels: [channel('noisy', noisy, 900_000n), channel('clean', clean, 1_100_000n)],
      moves: [{ fromChannelId: 'noisy', toChannelId: 'clean', amount: 100_000n }],
      gain: { expected: 10_000n, low: 1_000n, high: 20_000n },
      modelledGmv: 6_000_000n,
      spendTests: [],
    };
    const ctx = {
      closedDay: '2025-11-14',
      basisFrom: '2025-11-01',
      basisDays: 14,
      timezone: 'Asia/Shanghai',
      currency: 'CNY',
      atMs: 0,
      expiresAfterHours: 24,
      budgetsVersion: 'v1',
      counter: 0,
      basis: 'b',
    };
    const notes = (proposalFromPlan(plan, ctx).detail.channels as { channelId: string; modelNote?: string }[]).map((c) => c.modelNote ?? '');
    expect(noisy?.kind === 'log-log' && Math.abs(noisy.b - noisy.fittedB)).toBeGreaterThan(0.05);
    expect(notes[0]).toContain(`the days alone say ${noisy?.kind === 'log-log' ? noisy.fittedB.toFixed(2) : ''}`);
    expect(notes[1]).not.toContain('the days alone say');
    // The summary says why the gain stated sits low in its range when it was shrunk for having been proposed.
    expect(proposalFromPlan({ ...plan, gain: { ...plan.gain, median: 16_000n } }, ctx).detail.summary).toContain(
      "expected +100.00 CNY GMV a day (likely between 10.00 and 200.00; the curves' middle says +160.00, stated lower because",
    );
    expect(proposalFromPlan({ ...plan, gain: { ...plan.gain, median: 10_400n } }, ctx).detail.summary).toContain(
      'expected +100.00 CNY GMV a day (likely between 10.00 and 200.00), based on',
    );
    // And the event carries that middle as a field (the contract's schema accepts it), which the CLI says in words.
    const shrunk = proposalFromPlan({ ...plan, gain: { ...plan.gain, median: 16_000n } }, ctx).detail;
    expect(shrunk.gainMiddle).toBe('160.00');
    expect(BudgetReallocationProposedEvent.detail.safeParse(shrunk).success).toBe(true);
    expect(proposalFromPlan({ ...plan, gain: { ...plan.gain, median: 10_400n } }, ctx).detail).not.toHaveProperty('gainMiddle');
    const view = { ...shrunk, status: 'pending', outcome: null, decision: null } as unknown as ProposalView;
    expect(describeProposal(view)).toContain(
      "  Expected gain: +100 CNY GMV a day (90 % range 10 to 200).\n  The curves' middle says +160; stated lower because",
    );
    expect(describeProposal({ ...view, gainMiddle: undefined })).not.toContain("curves' middle");
  });

  it('draws curves whose 90 % interval of the elasticity covers the true one about 90 % of the time', () => {
    // Truth not written by the code: elasticities spread like the prior, Gaussian noise on log GMV (Box–Muller here),
    // 14 days with spend log-uniform ±25 %, as the daily job sees them.
    const r = noise(11);
    const gauss = () => Math.sqrt(-2 * Math.log(Math.max(1e-12, r()))) * Math.cos(2 * Math.PI * r());
    let covered = 0;
    const worlds = 300;
    for (let w = 0; w < worlds; w++) {
      const b = Math.min(0.95, Math.max(0.1, FALLBACK_ELASTICITY + ELASTICITY_PRIOR_SD * gauss()));
      const sigma = 0.05 + 0.15 * r();
      const days = Array.from({ length: 14 }, (_, i) => {
        const spend = Math.round(1_000_000 * Math.exp((2 * r() - 1) * 0.25));
        return { day: `d${i}`, spend: BigInt(spend), gmv: BigInt(Math.round(40 * spend ** b * Math.exp(sigma * gauss()))) };
      });
      const draw = powerPosterior(days);
      const draws = Array.from({ length: 200 }, () => draw(r).b).sort((x, y) => x - y);
      if ((draws[10] as number) <= b && b <= (draws[189] as number)) covered += 1;
    }
    expect(covered / worlds).toBeGreaterThan(0.84);
    expect(covered / worlds).toBeLessThan(0.96);
  });
});

/** Days from a saturating curve β·tanh(λx/2) (PyMC-Marketing's logistic saturation), spend log-uniform ±spread. */
function daysFromTanh(beta: number, lambda: number, around: number, seed: number, { spread = 0.3, noisePct = 2, n = 14 } = {}): DayPoint[] {
  const r = noise(seed);
  return Array.from({ length: n }, (_, i) => {
    const spend = Math.round(around * Math.exp((2 * r() - 1) * spread));
    const gmv = Math.round(beta * Math.tanh((lambda * spend) / 2) * (1 + ((2 * r() - 1) * noisePct) / 100));
    return { day: `2025-11-${String(i + 1).padStart(2, '0')}`, spend: BigInt(spend), gmv: BigInt(gmv) };
  });
}

describe('curve families, chosen by leave-one-day-out error', () => {
  it('a saturating curve: recovers the elasticity of a known tanh curve, and is the family chosen', () => {
    // λ·spend = 3 at the usual spend: well into saturation, elasticity 3/sinh(3) ≈ 0.30 there. Over a wide spend
    // range the saturating family predicts left-out days better; over ±30 % the two are alike, and either gives the
    // elasticity that matters to the plan.
    expect(fitResponse(daysFromTanh(5_000_000, 3 / 1_000_000, 1_000_000, 3, { spread: 0.7, noisePct: 1 }))?.kind).toBe('saturating');
    const model = fitResponse(daysFromTanh(5_000_000, 3 / 1_000_000, 1_000_000, 3));
    expect(elasticityAt(model!, 1_000_000)).toBeCloseTo(3 / Math.sinh(3), 1);
    // Its marginal ROI at the usual spend is the true one within a few per cent.
    const trueMarginal = ((5_000_000 * 3) / 1_000_000 / 2) * (1 / Math.cosh(1.5)) ** 2;
    expect(marginalAt(model!, 1_000_000) / trueMarginal).toBeGreaterThan(0.85);
    expect(marginalAt(model!, 1_000_000) / trueMarginal).toBeLessThan(1.15);
  });

  it('a power law: the constant-elasticity family is chosen on its own data', () => {
    expect(fitResponse(daysFrom(50, 0.6, 1_000_000, 7, { noisePct: 1 }))?.kind).toBe('log-log');
  });

  it('the saturating fit believes what the power law believes: noisy days no longer run it to a line or a plateau', () => {
    // A square-root response under ±26 % daily noise (sd 15 %), 14 days of spend ±35 %. Fitted by least squares
    // alone, 8 of these 200 histories put the saturating curve at the grid's ends (elasticity ~1: linear through the
    // data; ~0.03: flat) — a shape the days do not show, which then won the leave-one-day-out contest on noise.
    let atTheEnds = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const e = elasticityAt(fitResponse(daysFrom(50, 0.5, 1_000_000, seed, { noisePct: 26 }), 'saturating')!, 1_000_000);
      if (e > 0.97 || e < 0.05) atTheEnds += 1;
    }
    expect(atTheEnds).toBeLessThanOrEqual(2);
  });
});

describe('honesty about the data', () => {
  const settings = { ...SETTINGS, maxShiftPct: 50 };

  it('never moves a channel beyond the spend its days cover', () => {
    const inputs: ChannelInput[] = [
      { channelId: 'strong', budget: 1_000_000n, days: daysFrom(60, 0.7, 1_000_000, 21, { spread: 0.3, noisePct: 1 }), stale: false },
      { channelId: 'weak', budget: 1_000_000n, days: daysFrom(20, 0.5, 1_000_000, 22, { spread: 0.3, noisePct: 1 }), stale: false },
    ];
    const plan = planReallocation(inputs, settings);
    expect(plan.moves.length).toBeGreaterThan(0);
    // In budget terms: a budget buys spend at the channel's utilisation (mean spend ÷ budget).
    for (const c of plan.channels) {
      const u = Number(c.meanSpend) / Number(c.before);
      expect(Number(c.after) * u <= Number(c.spendRange?.max ?? 0n) + 100 || c.after <= c.before).toBe(true);
      expect(Number(c.after) * u >= Number(c.spendRange?.min ?? 0n) - 100 || c.after >= c.before).toBe(true);
    }
    // ±50 % was allowed; no more than the ±30 % the data covers moved.
    expect(plan.channels.every((c) => c.after - c.before <= 300_000n && c.before - c.after <= 300_000n)).toBe(true);
  });

  it('leaves a channel whose spend never varied alone, and suggests the spend test that would tell', () => {
    const flat = Array.from({ length: 14 }, (_, i) => ({ day: `d${i}`, spend: 1_000_000n, gmv: BigInt(3_000_000 + i * 997) }));
    const inputs: ChannelInput[] = [
      { channelId: 'strong', budget: 1_000_000n, days: daysFrom(60, 0.7, 1_000_000, 31), stale: false },
      { channelId: 'weak', budget: 2_000_000n, days: daysFrom(20, 0.5, 2_000_000, 32), stale: false },
      { channelId: 'flat', budget: 1_000_000n, days: flat, stale: false },
    ];
    const plan = planReallocation(inputs, SETTINGS);
    expect(plan.channels[2]).toMatchObject({ decision: 'left_alone', after: 1_000_000n });
    expect(plan.channels[2]?.why).toMatch(/spend hardly varied.*spend test/);
    expect(plan.spendTests).toEqual([{ channelId: 'flat', low: 850_000n, high: 1_150_000n, days: 7 }]);
  });

  it(`moves a channel only when ${MIN_DIRECTION_CONFIDENCE * 100} % of the plans re-made under the curves the days allow agree, and says how sure`, () => {
    const p = planReallocation(
      Object.entries({ strong: [60, 0.7, 1_000_000], weak: [30, 0.5, 2_500_000] } as const).map(([id, [a, b, budget]], i) => ({
        channelId: id,
        budget: BigInt(budget),
        days: daysFrom(a, b, budget, 41 + i),
        stale: false,
      })),
      SETTINGS,
    );
    for (const c of p.channels.filter((x) => x.after !== x.before)) expect(c.directionConfidence).toBeGreaterThanOrEqual(MIN_DIRECTION_CONFIDENCE);
    // Noise only: twins with 40 % noise are left alone for want of agreement, or not proposed at all.
    const twins = planReallocation(
      [
        { channelId: 'a', budget: 1_000_000n, days: daysFrom(40, 0.6, 1_000_000, 5, { noisePct: 40 }), stale: false },
        { channelId: 'b', budget: 1_000_000n, days: daysFrom(40, 0.6, 1_000_000, 1005, { noisePct: 40 }), stale: false },
      ],
      SETTINGS,
    );
    expect(twins.moves).toEqual([]);
  });
});

describe('known answers', () => {
  // Three channels with known curves: strong (high marginal ROI at its budget), middling, weak.
  const truth = {
    strong: { a: 60, b: 0.7, budget: 1_000_000 },
    middle: { a: 40, b: 0.6, budget: 1_500_000 },
    weak: { a: 30, b: 0.5, budget: 2_500_000 },
  } as const;
  const inputs: ChannelInput[] = Object.entries(truth).map(([id, t], i) => ({
    channelId: id,
    budget: BigInt(t.budget),
    days: daysFrom(t.a, t.b, t.budget, 11 + i),
    stale: false,
  }));
  const trueGmv = (id: keyof typeof truth, spend: bigint) => truth[id].a * Number(spend) ** truth[id].b;
  const trueMarginal = (id: keyof typeof truth, spend: bigint) =>
    marginalAt({ kind: 'log-log', a: truth[id].a, b: truth[id].b, r2: 1, fittedB: truth[id].b }, Number(spend));
  const plan = planReallocation(inputs, SETTINGS);

  it('moves budget from the lowest to the highest true marginal ROI', () => {
    expect(plan.noProposal).toBeUndefined();
    const byId = new Map(plan.channels.map((c) => [c.channelId, c]));
    expect(byId.get('weak')?.decision).toBe('gives');
    expect(byId.get('strong')?.decision).toBe('receives');
    for (const m of plan.moves) {
      expect(trueMarginal(m.fromChannelId as keyof typeof truth, BigInt(truth[m.fromChannelId as keyof typeof truth].budget))).toBeLessThan(
        trueMarginal(m.toChannelId as keyof typeof truth, BigInt(truth[m.toChannelId as keyof typeof truth].budget)),
      );
    }
  });

  it('gains true GMV; its stated range rarely overstates the true gain and brackets it most of the time', () => {
    // One dataset can land in the tail; the promise is about coverage, so it is checked over 40 seeded datasets.
    // Moves are cut to what 90 % of the re-made plans reach, so the range errs low (truth above it), not high; the
    // calibration across curve families is measured in BENCHMARKS.md.
    let covered = 0;
    let overstated = 0;
    const runs = 40;
    for (let k = 0; k < runs; k++) {
      const sample = Object.entries(truth).map(([id, t], i) => ({
        channelId: id,
        budget: BigInt(t.budget),
        days: daysFrom(t.a, t.b, t.budget, 1000 + 7 * k + i),
        stale: false,
      }));
      const p = planReallocation(sample, SETTINGS);
      const trueGain = p.channels.reduce(
        (s, c) => s + trueGmv(c.channelId as keyof typeof truth, c.after) - trueGmv(c.channelId as keyof typeof truth, c.before),
        0,
      );
      expect(trueGain).toBeGreaterThan(0);
      expect(p.gain.low <= p.gain.expected && p.gain.expected <= p.gain.high).toBe(true);
      if (Number(p.gain.low) <= trueGain && trueGain <= Number(p.gain.high)) covered += 1;
      if (trueGain < Number(p.gain.low)) overstated += 1;
    }
    expect(covered / runs).toBeGreaterThanOrEqual(0.7);
    expect(overstated).toBeLessThanOrEqual(1);
  });

  it('closes the gap in true marginal ROI between giver and receiver', () => {
    const byId = new Map(plan.channels.map((c) => [c.channelId, c]));
    const gap = (which: 'before' | 'after') => trueMarginal('strong', byId.get('strong')![which]) - trueMarginal('weak', byId.get('weak')![which]);
    expect(gap('after')).toBeLessThan(gap('before'));
    expect(gap('after')).toBeGreaterThanOrEqual(0); // never overshoots the optimum
  });

  it('is deterministic to the minor unit', () => {
    expect(planReallocation(inputs, SETTINGS)).toEqual(plan);
  });

  it('leaves stale and thin channels alone, saying why', () => {
    const stale = planReallocation([...inputs.slice(0, 2), { ...(inputs[2] as ChannelInput), stale: true }], SETTINGS);
    expect(stale.channels[2]).toMatchObject({ decision: 'left_alone', after: stale.channels[2]?.before });
    expect(stale.channels[2]?.why).toMatch(/stale/);
    const thin = planReallocation([...inputs.slice(0, 2), { ...(inputs[2] as ChannelInput), days: inputs[2]!.days.slice(0, 6) }], SETTINGS);
    expect(thin.channels[2]?.why).toMatch(/only 6 day\(s\).*7 needed/);
  });
});

const channelArb = fc.record({
  budget: fc.bigInt({ min: 0n, max: 5_000_000n }),
  a: fc.double({ min: 0.5, max: 200, noNaN: true }),
  b: fc.double({ min: 0.1, max: 1, noNaN: true }),
  spread: fc.double({ min: 0, max: 0.6, noNaN: true }),
  n: fc.integer({ min: 0, max: 14 }),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  stale: fc.boolean(),
});
const settingsArb = fc.record({
  minDays: fc.integer({ min: 1, max: 10 }),
  maxShiftPct: fc.integer({ min: 1, max: 100 }),
  minDailyBudget: fc.bigInt({ min: 0n, max: 2_000_000n }),
  minGainPct: fc.constantFrom(0, 0.5, 2),
  quantum: fc.constantFrom(1n, 100n),
});

describe('properties', () => {
  it('conserves the total exactly, respects every bound, moves only toward higher marginal ROI', () => {
    fc.assert(
      fc.property(fc.array(channelArb, { minLength: 1, maxLength: 6 }), settingsArb, (channels, settings) => {
        const inputs: ChannelInput[] = channels.map((c, i) => ({
          channelId: `ch-${i}`,
          budget: c.budget,
          days: daysFrom(c.a, c.b, Math.max(1, Number(c.budget)), c.seed, { spread: c.spread, n: c.n }),
          stale: c.stale,
        }));
        const plan = planReallocation(inputs, settings);
        const sum = (xs: readonly bigint[]) => xs.reduce((s, x) => s + x, 0n);
        expect(sum(plan.channels.map((c) => c.after))).toBe(sum(inputs.map((i) => i.budget)));
        for (const [i, c] of plan.channels.entries()) {
          const input = inputs[i] as ChannelInput;
          const shift = (input.budget * BigInt(settings.maxShiftPct * 100)) / 10_000n;
          expect(c.after - c.before <= shift && c.before - c.after <= shift).toBe(true);
          if (c.after < c.before) expect(c.after >= settings.minDailyBudget).toBe(true);
          expect((c.after - c.before) % settings.quantum).toBe(0n);
          const usable = input.days.filter((d) => d.spend > 0n && d.gmv > 0n).length;
          if (input.stale || usable < settings.minDays) expect(c).toMatchObject({ decision: 'left_alone', after: c.before });
        }
        const roi = new Map(plan.channels.map((c) => [c.channelId, c.marginalRoi ?? Number.NaN]));
        for (const m of plan.moves) {
          expect(m.amount > 0n).toBe(true);
          expect(roi.get(m.fromChannelId)!).toBeLessThan(roi.get(m.toChannelId)!);
        }
        // Moves account for every change.
        for (const c of plan.channels) {
          const net =
            sum(plan.moves.filter((m) => m.toChannelId === c.channelId).map((m) => m.amount)) -
            sum(plan.moves.filter((m) => m.fromChannelId === c.channelId).map((m) => m.amount));
          expect(net).toBe(c.after - c.before);
        }
        if (plan.noProposal) expect(plan.moves).toEqual([]);
        else {
          expect(plan.gain.expected * 100n * 1000n >= BigInt(Math.floor(settings.minGainPct * 1000)) * plan.modelledGmv - 100_000n).toBe(true);
          expect(plan.gain.low <= plan.gain.expected && plan.gain.expected <= plan.gain.high).toBe(true);
          // A proposal's range never includes losing GMV: otherwise there is no proposal.
          expect(plan.gain.low > 0n).toBe(true);
        }
        if (plan.noProposal) expect(plan.channels.every((c) => c.after === c.before)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('abstains when its range reaches below zero: twin channels whose days differ only by 40 % daily noise', () => {
    // The same true curve and budget: any move loses GMV in truth. Without the rule the planner proposed in 32 of 40.
    let proposals = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const plan = planReallocation(
        [
          { channelId: 'a', budget: 1_000_000n, days: daysFrom(40, 0.6, 1_000_000, seed, { noisePct: 40 }), stale: false },
          { channelId: 'b', budget: 1_000_000n, days: daysFrom(40, 0.6, 1_000_000, seed + 1000, { noisePct: 40 }), stale: false },
        ],
        SETTINGS,
      );
      if (plan.noProposal) expect(plan.moves).toEqual([]);
      else proposals += 1;
    }
    expect(proposals).toBeLessThanOrEqual(8);
  });

  it('proposes nothing when nothing can be gained: channels alike in curve and budget', () => {
    fc.assert(
      fc.property(channelArb, fc.integer({ min: 2, max: 5 }), settingsArb, (c, count, settings) => {
        const days = daysFrom(c.a, c.b, Math.max(1, Number(c.budget)), c.seed, { spread: c.spread, n: 14 });
        const inputs = Array.from({ length: count }, (_, i) => ({ channelId: `twin-${i}`, budget: c.budget, days, stale: false }));
        const plan = planReallocation(inputs, settings);
        expect(plan.moves).toEqual([]);
        expect(plan.channels.every((x) => x.after === x.before)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('the gain stated for a proposal that cleared its own noise', () => {
  it('is shrunk by its noise share: almost whole beside a narrow range, much less where it barely clears zero', () => {
    // sd = (high − low) / 3.29: a range of 20 beside 100 is sd 6.1, k = 1 − 0.0037; one of 199 is sd 60.5, k = 0.63.
    expect(selectionShrunk(100, 90, 110)).toBeCloseTo(99.63, 2);
    expect(selectionShrunk(100, 1, 200)).toBeCloseTo(63.4, 1);
    // Never below the low end of the range it is published with, never above the estimate.
    expect(selectionShrunk(100, 80, 300)).toBe(80);
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        (estimate, lowShare, spread) => {
          const low = estimate * lowShare;
          const shrunk = selectionShrunk(estimate, low, estimate + spread * estimate);
          expect(shrunk).toBeGreaterThanOrEqual(low);
          expect(shrunk).toBeLessThanOrEqual(estimate);
        },
      ),
    );
  });
});
