import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BudgetReallocationApprovedEvent,
  BudgetReallocationExpiredEvent,
  BudgetReallocationProposedEvent,
  BudgetReallocationRejectedEvent,
  BudgetReallocationReviewedEvent,
} from '../../events/outbound.ts';
import type { DeliveredEvent } from '../../local/local-publisher.ts';
import type { LocalPipeline } from '../../local/pipeline.ts';
import type { QueuedMessage } from '../../local/local-queue.ts';
import { storeConfig } from '../../shared/adapters/config-store.ts';
import { dynamoLocalPerFile, REALLOCATION_CONFIG as CONFIG, REALLOCATION_HISTORY } from './harness.ts';

const { pipeline } = dynamoLocalPerFile({ beforeAll, afterAll });

const FINANCE = { principal: 'li.na@finance', roles: ['finance'] };
const OPS = { principal: 'ops-oncall', roles: ['ops'] };
const MIDNIGHT_NOV_11 = Date.parse('2025-11-11T00:00:00+08:00');

/** The history as SQS messages, arriving when they happened. */
const history = (): QueuedMessage[] =>
  REALLOCATION_HISTORY().map((line, i) => ({ messageId: `h-${i}`, sentAtMs: Date.parse(JSON.parse(line).time), body: line }));

async function withProposal(test: (p: LocalPipeline, proposalId: string, delivered: DeliveredEvent[]) => Promise<void>, config: unknown = CONFIG) {
  const delivered: DeliveredEvent[] = [];
  const p = await pipeline({ config, deliver: (e) => delivered.push(e) });
  try {
    p.nowMs = Date.parse('2025-11-10T13:00:00+08:00');
    await p.ingest(history());
    await p.aggregate();
    p.nowMs = MIDNIGHT_NOV_11;
    const report = await p.propose();
    expect(report.proposed).toHaveLength(1);
    await test(p, report.proposed[0]!.id, delivered);
  } finally {
    await p.stop();
  }
}

const bodyOf = (response: { body?: string }) =>
  JSON.parse(response.body ?? '{}') as Record<string, unknown> & { budgets?: { channelId: string; before: string; after: string }[] };
const ofType = (delivered: DeliveredEvent[], type: string) => delivered.filter((e) => e['detail-type'] === type);

describe('budget reallocation: the daily job and the finance review', () => {
  it('proposes from the closed days, publishes it schema-valid, and applies it atomically on approval', async () => {
    await withProposal(async (p, id, delivered) => {
      const [proposed] = ofType(delivered, 'Budget Reallocation Proposed');
      expect(BudgetReallocationProposedEvent.detail.safeParse(proposed?.detail).success).toBe(true);
      expect(proposed?.detail).toMatchObject({
        proposalId: id,
        basis: { from: '2025-10-28', to: '2025-11-10' },
        budgetsVersion: expect.stringMatching(/^v0-/),
        currency: 'CNY',
      });
      const detail = proposed!.detail as {
        moves: { fromChannelId: string; toChannelId: string }[];
        budgets: { channelId: string; before: string; after: string }[];
      };
      expect(detail.moves[0]).toMatchObject({ fromChannelId: 'group-buy', toChannelId: 'douyin-live' });
      const totals = (k: 'before' | 'after') => detail.budgets.reduce((s, b) => s + Math.round(Number(b[k]) * 100), 0);
      expect(totals('after')).toBe(totals('before'));

      const listed = bodyOf(await p.finance({ method: 'GET', path: '/proposals', query: { status: 'pending' }, caller: OPS }));
      expect((listed.proposals as { proposalId: string }[]).map((x) => x.proposalId)).toEqual([id]);

      p.nowMs = MIDNIGHT_NOV_11 + 9 * 3_600_000;
      const approved = await p.finance({
        method: 'POST',
        path: `/proposals/${id}/approve`,
        body: JSON.stringify({ reason: 'ROI case is clear' }),
        caller: FINANCE,
      });
      expect(approved.statusCode).toBe(200);
      expect(bodyOf(approved)).toMatchObject({
        status: 'approved',
        decision: { outcome: 'approved', by: 'li.na@finance', reason: 'ROI case is clear', budgetsVersion: expect.stringMatching(/^v1-/) },
      });
      const [announced] = ofType(delivered, 'Budget Reallocation Approved');
      expect(BudgetReallocationApprovedEvent.detail.safeParse(announced?.detail).success).toBe(true);

      const budgets = bodyOf(await p.finance({ method: 'GET', path: '/budgets', caller: FINANCE })) as {
        version: string;
        channels: { channelId: string; daily: string; source: string }[];
      };
      expect(budgets.version).toMatch(/^v1-/);
      for (const change of detail.budgets)
        expect(budgets.channels.find((c) => c.channelId === change.channelId)).toMatchObject({ daily: change.after, source: 'approved' });
      const audit = bodyOf(await p.finance({ method: 'GET', path: '/audit', caller: FINANCE })) as { entries: { action: string; actor: string }[] };
      expect(audit.entries.map((e) => [e.action, e.actor])).toEqual([
        ['proposed', 'system'],
        ['approved', 'li.na@finance'],
      ]);

      // Approving twice is harmless: the first outcome, nothing new written or published.
      const again = await p.finance({ method: 'POST', path: `/proposals/${id}/approve`, body: '{}', caller: FINANCE });
      expect(again.statusCode).toBe(200);
      expect(bodyOf(again)).toMatchObject({ repeated: true, decision: { by: 'li.na@finance', reason: 'ROI case is clear' } });
      expect(ofType(delivered, 'Budget Reallocation Approved')).toHaveLength(1);
      expect((await p.budgets.book())?.counter).toBe(1);
    });
  });

  it('widens a new proposal’s range where earlier reviewed proposals moving its channels missed theirs', async () => {
    // The history with ±8 % daily noise on GMV, so the plan's own range has a width to widen.
    const noisy = (): QueuedMessage[] =>
      history().map((m, i) => {
        const event = JSON.parse(m.body) as { detail: { lines?: { unitPrice: string }[] } };
        const line = event.detail.lines?.[0];
        if (line) line.unitPrice = (Number(line.unitPrice) * (1 + 0.08 * Math.sin(i * 2.3))).toFixed(2);
        return { ...m, body: JSON.stringify(event) };
      });
    // Two earlier proposals that moved douyin-live were reviewed: one realised inside its range, one outside (1 of 2).
    const p = await pipeline({ config: CONFIG });
    try {
      const earlier = (n: number, inside: boolean) => ({
        id: `prop-2025-10-0${n}-CNY`,
        currency: 'CNY',
        createdAtMs: Date.parse(`2025-10-0${n}T00:00:00+08:00`),
        expiresAtMs: Date.parse(`2025-10-0${n + 1}T00:00:00+08:00`),
        budgetsVersion: 'v0-x',
        counter: 0,
        basis: 'x',
        after: {},
        status: 'pending' as const,
        detail: { budgets: [{ channelId: 'douyin-live', before: '10000.00', after: '10500.00' }] },
        inside,
      });
      for (const e of [earlier(1, true), earlier(3, false)]) {
        const { inside, ...record } = e;
        await p.budgets.insert(record as never, []);
        await p.budgets.decide(record as never, { outcome: 'approved', atMs: record.createdAtMs + 3_600_000, by: 'li.na' }, []);
        await p.budgets.recordOutcome(record as never, { channels: [{ channelId: 'douyin-live' }], withinRange: inside } as never, []);
      }
      p.nowMs = Date.parse('2025-11-10T13:00:00+08:00');
      await p.ingest(noisy());
      await p.aggregate();
      p.nowMs = MIDNIGHT_NOV_11;
      const [made] = (await p.propose()).proposed;
      const detail = made?.detail as { expectedGain: { amount: string; low: string; high: string }; calibration?: unknown; summary: string };
      expect(detail.calibration).toEqual({ factor: 1.8, channels: [{ channelId: 'douyin-live', reviews: 2, withinRange: 1, share: 0.5 }] });
      expect(detail.summary).toContain('1.80× as wide as the data alone says');
      // The same plan without the history of misses, for its own range.
      const q = await pipeline({ config: CONFIG });
      try {
        q.nowMs = Date.parse('2025-11-10T13:00:00+08:00');
        await q.ingest(noisy());
        await q.aggregate();
        q.nowMs = MIDNIGHT_NOV_11;
        const plain = (await q.propose()).proposed[0]?.detail.expectedGain as { amount: string; low: string; high: string };
        const cents = (x: string) => Math.round(Number(x) * 100);
        expect(cents(plain.amount) - cents(plain.low)).toBeGreaterThan(100); // a range of more than a yuan each side
        expect(detail.expectedGain.amount).toBe(plain.amount);
        expect(
          Math.abs(cents(detail.expectedGain.amount) - cents(detail.expectedGain.low) - 1.8 * (cents(plain.amount) - cents(plain.low))),
        ).toBeLessThanOrEqual(1);
        expect(
          Math.abs(cents(detail.expectedGain.high) - cents(detail.expectedGain.amount) - 1.8 * (cents(plain.high) - cents(plain.amount))),
        ).toBeLessThanOrEqual(1);
      } finally {
        await q.stop();
      }
    } finally {
      await p.stop();
    }
  });

  it('reviews an approved proposal after its days in force, once, against the unmoved channels, and shows it', async () => {
    const config = { ...CONFIG, reallocation: { ...CONFIG.reallocation, reviewAfterDays: 3 } };
    await withProposal(async (p, id, delivered) => {
      p.nowMs = MIDNIGHT_NOV_11 + 9 * 3_600_000;
      expect((await p.finance({ method: 'POST', path: `/proposals/${id}/approve`, caller: FINANCE })).statusCode).toBe(200);
      // 11–14 November: each channel's GMV a day a chosen share above its basis average.
      const basis = (channelId: string) => {
        const sales = REALLOCATION_HISTORY().map(
          (l) => JSON.parse(l) as { 'detail-type': string; detail: { channelId: string; lines?: { unitPrice: string }[] } },
        );
        const gmv = sales
          .filter((e) => e['detail-type'] === 'Sale Recorded' && e.detail.channelId === channelId)
          .map((e) => Number(e.detail.lines?.[0]?.unitPrice));
        return gmv.reduce((a, b) => a + b, 0) / gmv.length;
      };
      const after = { tmall: basis('tmall') * 1.1, 'douyin-live': basis('douyin-live') * 1.3, 'group-buy': basis('group-buy') * 1.05 };
      const lines: QueuedMessage[] = [];
      for (const d of [11, 12, 13, 14])
        for (const [channelId, gmv] of Object.entries(after)) {
          const occurredAt = `2025-11-${d}T12:00:00+08:00`;
          lines.push({
            messageId: `after-${d}-${channelId}`,
            sentAtMs: Date.parse(occurredAt),
            body: JSON.stringify({
              source: 'shop',
              'detail-type': 'Sale Recorded',
              time: new Date(Date.parse(occurredAt)).toISOString(),
              detail: {
                eventId: `after-${d}`,
                occurredAt,
                channelId,
                storeId: 's1',
                orderId: `a-${d}`,
                currency: 'CNY',
                lines: [{ sku: 'SKU', quantity: 1, unitPrice: gmv.toFixed(2) }],
              },
            }),
          });
        }
      p.nowMs = Date.parse('2025-11-14T13:00:00+08:00');
      await p.ingest(lines);
      await p.aggregate();
      await storeConfig(p.db.dynamo, p.tables.state, config, p.nowMs);
      p.nowMs = Date.parse('2025-11-15T00:00:00+08:00');
      const report = await p.propose();
      expect(report.reviewed.map((r) => r.proposalId)).toEqual([id]);
      const [reviewed] = ofType(delivered, 'Budget Reallocation Reviewed');
      expect(BudgetReallocationReviewedEvent.detail.safeParse(reviewed?.detail).success).toBe(true);
      // Worked from the lines: each moved channel's GMV a day in force less its basis average, scaled by the unmoved
      // channels' change when there are any (here the plan moved all three: the plain before/after change).
      const detail = reviewed?.detail as {
        realised: { amount: string; control: string[]; method: string };
        channels: { channelId: string }[];
        window: unknown;
        withinRange: boolean;
        calibration: unknown[];
      };
      const moved = detail.channels.map((c) => c.channelId) as (keyof typeof after)[];
      const control = (Object.keys(after) as (keyof typeof after)[]).filter((c) => !moved.includes(c));
      const factor = control.length ? control.reduce((s, c) => s + after[c], 0) / control.reduce((s, c) => s + basis(c), 0) : 1;
      const cents = (x: number) => Math.round(x * 100);
      const expected = moved.reduce((sum, c) => sum + cents(after[c] - basis(c) * factor), 0);
      expect(Math.abs(cents(Number(detail.realised.amount)) - expected)).toBeLessThanOrEqual(moved.length);
      expect(detail).toMatchObject({
        window: { from: '2025-11-12', to: '2025-11-14', days: 3 },
        realised: { method: control.length ? 'against_unmoved_channels' : 'before_after', control },
      });
      expect(detail.calibration).toHaveLength(moved.length);
      // Once: the next night has nothing more to review; the finance API and the CLI's view show it.
      p.nowMs = Date.parse('2025-11-16T00:00:00+08:00');
      expect((await p.propose()).reviewed).toEqual([]);
      expect(ofType(delivered, 'Budget Reallocation Reviewed')).toHaveLength(1);
      const shown = bodyOf(await p.finance({ method: 'GET', path: `/proposals/${id}`, caller: OPS }));
      expect(shown.outcome).toMatchObject({ proposalId: id, withinRange: detail.withinRange });
    });
  });

  it('pacing judges the new budgets from the moment they apply', async () => {
    await withProposal(async (p, id, delivered) => {
      const giver = (await p.budgeting.get(id))!.detail.budgets.find((b) => Number(b.after) < Number(b.before))!;
      // Spend 90 % of the giver's old budget today: under the old budget, over the new one.
      const spend = (Number(giver.before) * 0.9).toFixed(2);
      expect(Number(spend)).toBeGreaterThan(Number(giver.after));
      p.nowMs = MIDNIGHT_NOV_11 + 10 * 3_600_000;
      expect((await p.finance({ method: 'POST', path: `/proposals/${id}/approve`, caller: FINANCE })).statusCode).toBe(200);
      const time = new Date(p.nowMs).toISOString();
      await p.ingest([
        {
          messageId: 'today',
          sentAtMs: p.nowMs,
          body: JSON.stringify({
            source: 'ads',
            'detail-type': 'Ad Spend Recorded',
            time,
            detail: { eventId: 'today-1', occurredAt: time, channelId: giver.channelId, campaignId: 'c1', spend, currency: 'CNY' },
          }),
        },
      ]);
      await p.aggregate();
      expect(ofType(delivered, 'Alert Raised').filter((e) => e.detail.rule === 'budget_overrun')).toHaveLength(1);
      const overrun = ofType(delivered, 'Alert Raised').find(
        (e) => e.detail.rule === 'budget_overrun' && e.detail.channelId === giver.channelId && e.detail.period === 'day',
      );
      expect(overrun?.detail).toMatchObject({ severity: 'critical', threshold: giver.after });
    });
  });

  it('refuses callers without the finance role (403) and unauthenticated ones (401), changing nothing', async () => {
    await withProposal(async (p, id) => {
      expect((await p.finance({ method: 'POST', path: `/proposals/${id}/approve`, caller: OPS })).statusCode).toBe(403);
      expect((await p.finance({ method: 'POST', path: `/proposals/${id}/reject`, body: JSON.stringify({ reason: 'no' }), caller: OPS })).statusCode).toBe(403);
      expect((await p.finance({ method: 'POST', path: `/proposals/${id}/approve` })).statusCode).toBe(401);
      expect((await p.finance({ method: 'GET', path: '/proposals', caller: { principal: 'intern', roles: ['marketing'] } })).statusCode).toBe(403);
      expect((await p.budgeting.get(id))?.status).toBe('pending');
      expect(await p.budgets.book()).toBeUndefined();
    });
  });

  it('validates bodies and routes with clear 4xx answers', async () => {
    await withProposal(async (p, id) => {
      const reject = (body: string) => p.finance({ method: 'POST', path: `/proposals/${id}/reject`, body, caller: FINANCE });
      expect(bodyOf(await reject('{}'))).toMatchObject({ error: 'invalid_body', message: expect.stringMatching(/reason/) });
      expect((await reject('{not json')).statusCode).toBe(400);
      expect((await reject(JSON.stringify({ reason: 'x', extra: 1 }))).statusCode).toBe(400);
      expect((await reject(JSON.stringify({ reason: 'x'.repeat(20_000) }))).statusCode).toBe(413);
      expect((await p.finance({ method: 'GET', path: '/proposals', query: { status: 'maybe' }, caller: FINANCE })).statusCode).toBe(400);
      expect((await p.finance({ method: 'GET', path: '/proposals/prop-nope', caller: FINANCE })).statusCode).toBe(404);
      expect((await p.finance({ method: 'POST', path: '/proposals/prop-nope/approve', caller: FINANCE })).statusCode).toBe(404);
      expect((await p.finance({ method: 'DELETE', path: '/proposals', caller: FINANCE })).statusCode).toBe(405);
      expect((await p.budgeting.get(id))?.status).toBe('pending');
    });
  });

  it('concurrent approve and reject: exactly one outcome, one announcement', async () => {
    await withProposal(async (p, id, delivered) => {
      const results = await Promise.all([
        p.finance({ method: 'POST', path: `/proposals/${id}/approve`, caller: FINANCE }),
        p.finance({
          method: 'POST',
          path: `/proposals/${id}/reject`,
          body: JSON.stringify({ reason: 'not this week' }),
          caller: { principal: 'wang.fang@finance', roles: ['finance'] },
        }),
        p.finance({ method: 'POST', path: `/proposals/${id}/approve`, caller: FINANCE }),
      ]);
      const record = (await p.budgeting.get(id))!;
      expect(['approved', 'rejected']).toContain(record.status);
      const announcements = [...ofType(delivered, 'Budget Reallocation Approved'), ...ofType(delivered, 'Budget Reallocation Rejected')];
      expect(announcements).toHaveLength(1);
      // Every answer agrees with the one outcome: 200 for its side, 409 already_decided for the other.
      for (const [i, r] of results.entries()) {
        const wanted = i === 1 ? 'rejected' : 'approved';
        if (wanted === record.status) expect(r.statusCode).toBe(200);
        else expect(bodyOf(r)).toMatchObject({ error: 'already_decided' });
      }
      expect((await p.budgets.book())?.counter ?? 0).toBe(record.status === 'approved' ? 1 : 0);
      if (record.status === 'rejected') expect(BudgetReallocationRejectedEvent.detail.safeParse(announcements[0]?.detail).success).toBe(true);
    });
  });

  it('an approval after the budgets changed is a 409 that writes nothing', async () => {
    await withProposal(async (p, id, delivered) => {
      // An operator edits the configured budgets after the proposal was computed.
      const edited = structuredClone(CONFIG);
      edited.channels[0]!.budget.daily = '12000.00';
      await storeConfig(p.db.dynamo, p.tables.state, edited, p.nowMs);
      const response = await p.finance({ method: 'POST', path: `/proposals/${id}/approve`, caller: FINANCE });
      expect(response.statusCode).toBe(409);
      expect(bodyOf(response)).toMatchObject({ error: 'budgets_changed', proposal: { status: 'pending' } });
      expect(await p.budgets.book()).toBeUndefined();
      expect(ofType(delivered, 'Budget Reallocation Approved')).toHaveLength(0);
      expect((await p.budgets.audit()).map((e) => e.action)).toEqual(['proposed']);
    });
  });

  it('the transaction itself refuses a stale book or an edited config between the check and the write', async () => {
    await withProposal(async (p, id) => {
      const record = (await p.budgeting.get(id))!;
      const next = { counter: 1, basis: record.basis, daily: { ...record.after }, updatedAtMs: p.nowMs, updatedBy: 'x', proposalId: id };
      const decision = { outcome: 'approved' as const, atMs: p.nowMs, by: 'x' };
      expect(await p.budgets.decide(record, decision, [], { next, expectedCounter: 3 })).toEqual({ ok: false, failed: ['budgets'] });
      expect(await p.budgets.decide(record, decision, [], { next: { ...next, basis: 'other-plan' }, expectedCounter: 0 })).toEqual({
        ok: false,
        failed: ['config'],
      });
      expect(await p.budgets.decide(record, { ...decision, atMs: record.expiresAtMs }, [], { next, expectedCounter: 0 })).toEqual({
        ok: false,
        failed: ['proposal'],
      });
      expect((await p.budgeting.get(id))?.status).toBe('pending');
      expect(await p.budgets.book()).toBeUndefined();
      expect((await p.budgets.audit()).map((e) => e.action)).toEqual(['proposed']);
    });
  });

  it('expiry: a late approval is a 409; the next day the job expires it and says so', async () => {
    await withProposal(async (p, id, delivered) => {
      const record = (await p.budgeting.get(id))!;
      p.nowMs = record.expiresAtMs;
      const late = await p.finance({ method: 'POST', path: `/proposals/${id}/approve`, caller: FINANCE });
      expect(late.statusCode).toBe(409);
      expect(bodyOf(late)).toMatchObject({ error: 'expired' });
      expect(await p.budgets.book()).toBeUndefined();
      await p.propose();
      const [expired] = ofType(delivered, 'Budget Reallocation Expired');
      expect(BudgetReallocationExpiredEvent.detail.safeParse(expired?.detail).success).toBe(true);
      expect(expired?.detail).toMatchObject({ proposalId: id, reason: 'expired' });
      expect((await p.budgeting.get(id))?.status).toBe('expired');
      // The job for the same closed day again proposes nothing new (idempotent per closed day).
      const before = ofType(delivered, 'Budget Reallocation Proposed').length;
      await p.propose();
      expect(ofType(delivered, 'Budget Reallocation Proposed')).toHaveLength(before);
    });
  });

  it('a newer proposal supersedes a pending one', async () => {
    await withProposal(
      async (p, id, delivered) => {
        p.nowMs = MIDNIGHT_NOV_11 + 24 * 3_600_000;
        const report = await p.propose();
        expect(report.proposed.map((r) => r.id)).toEqual(['prop-2025-11-11-CNY']);
        expect(report.expired).toEqual([{ proposalId: id, reason: 'superseded' }]);
        expect(ofType(delivered, 'Budget Reallocation Expired')[0]?.detail).toMatchObject({
          proposalId: id,
          reason: 'superseded',
          supersededBy: 'prop-2025-11-11-CNY',
        });
        expect((await p.finance({ method: 'POST', path: `/proposals/${id}/approve`, caller: FINANCE })).statusCode).toBe(409);
      },
      { ...CONFIG, reallocation: { ...CONFIG.reallocation, expiresAfterHours: 48 } },
    );
  });
});
