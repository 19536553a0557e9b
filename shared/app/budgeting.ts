/**
 * Budgeting, the use case: the daily proposal job (gather each channel's daily points, plan, store and
 * announce; expire what is outdated) and the finance review (approve applies the budgets atomically, reject
 * records why). Time always comes in; every state change goes out through the outbox in the same transaction.
 */
import type * as z from 'zod';
import type { EventDefinition } from '../../events/define-event.ts';
import {
  BudgetReallocationApprovedEvent,
  BudgetReallocationExpiredEvent,
  BudgetReallocationProposedEvent,
  BudgetReallocationRejectedEvent,
  type BudgetReallocationReviewedDetail,
  BudgetReallocationReviewedEvent,
} from '../../events/outbound.ts';
import { calibrationOf, outcomeOf, rangeWidening, reviewWindow } from '../domain/budgets/outcome.ts';
import { formatMoney } from '../kernel/money.ts';
import type { Totals } from '../domain/aggregation.ts';
import { rollUpDays } from '../domain/aggregation.ts';
import { type BudgetBook, effectiveBudgets, type EffectiveBudgets } from '../domain/budgets/book.ts';
import { type Decision, type ProposalRecord, proposalFromPlan, type ProposalStatus, reviewVerdict } from '../domain/budgets/proposal.ts';
import { type ChannelInput, planReallocation } from '../domain/budgets/reallocation.ts';
import { channelIdsIn, type SentinelConfig } from '../domain/config.ts';
import { minorDigits, parseMoney } from '../kernel/money.ts';
import { promotionDays } from '../domain/promotions.ts';
import { addDays, bucketOf } from '../kernel/time.ts';
import { announce } from './outbox-entries.ts';
import { compareText } from '../kernel/compare.ts';
import { publishOutbox } from './publishing.ts';
import {
  BUDGETS_OUTBOX,
  type AggregateReader,
  type AlertStore,
  type BudgetStore,
  type ConfigSource,
  type EventPublisher,
  type Outbox,
  type OutboxEntry,
} from './ports.ts';

export interface BudgetingDeps {
  readonly aggregates: AggregateReader;
  /** For feed_stale: a channel whose feed is stale is left alone. */
  readonly alerts: Pick<AlertStore, 'list'>;
  readonly budgets: BudgetStore;
  readonly outbox: Outbox;
  readonly publisher: EventPublisher;
  /** Read fresh for reviews: an approval must judge the budgets in force now, not a cached copy. */
  readonly config: ConfigSource;
}

export interface ProposeReport {
  readonly closedDay: string;
  readonly proposed: ProposalRecord[];
  /** Currencies with nothing worth proposing, and why. */
  readonly skipped: { currency: string; reason: string }[];
  readonly expired: { proposalId: string; reason: 'expired' | 'superseded' }[];
  /** Approved proposals whose time in force was reviewed in this run. */
  readonly reviewed: BudgetReallocationReviewedDetail[];
}

/** What a review came to: decided now, the same decision repeated, no such proposal, or refused as a conflict. */
export type ReviewResult =
  | { readonly kind: 'decided' | 'repeated'; readonly proposal: ProposalRecord }
  | { readonly kind: 'not_found'; readonly message: string }
  | {
      readonly kind: 'conflict';
      readonly reason: 'already_decided' | 'expired' | 'budgets_changed';
      readonly message: string;
      readonly proposal: ProposalRecord;
    };

const iso = (ms: number) => new Date(ms).toISOString();

/** minDailyBudget in a currency; a floor the currency cannot express exactly is rounded up to its minor unit. */
function minDailyBudgetIn(config: SentinelConfig, currency: string): bigint {
  const parsed = parseMoney(config.reallocation.minDailyBudget, currency);
  if (parsed.ok) return parsed.minor;
  return BigInt(Math.ceil(Number(config.reallocation.minDailyBudget) * 10 ** minorDigits(currency)));
}

export function makeBudgeting(deps: BudgetingDeps) {
  /** The budgets outbox entry announcing `detail` about one proposal (typed by its outbound definition). */
  const entry = <D extends z.ZodType>(definition: EventDefinition<D>, proposalId: string, atMs: number, detail: z.input<D>, seq: string): OutboxEntry => ({
    channelId: BUDGETS_OUTBOX,
    id: `${proposalId}#${definition.detailType}`,
    seq: `${seq}#${proposalId}`,
    timeMs: atMs,
    ...announce(definition, detail),
  });

  async function expire(record: ProposalRecord, atMs: number, reason: 'expired' | 'superseded', supersededBy?: string): Promise<boolean> {
    const decision: Decision = { outcome: 'expired', atMs, by: 'system', reason, ...(supersededBy ? { supersededBy } : {}) };
    const detail = { proposalId: record.id, expiredAt: iso(atMs), reason, ...(supersededBy ? { supersededBy } : {}) };
    const result = await deps.budgets.decide(record, decision, [entry(BudgetReallocationExpiredEvent, record.id, atMs, detail, '0')]);
    return result.ok; // lost to a concurrent decision: that decision stands
  }

  /** Daily (spend, GMV) points of the basis window per channel, promotion days left out. */
  /** Rules whose alerts mark days as anomalies for the planner (see inputsOf). */
  const INCIDENT_RULES: ReadonlySet<string> = new Set(['feed_stale', 'budget_overrun', 'roi_drop']);

  async function inputsOf(config: SentinelConfig, budgets: EffectiveBudgets, fromDay: string, toDay: string): Promise<(ChannelInput & { currency: string })[]> {
    return Promise.all(
      config.channels.map(async (channel) => {
        const [hours, alerts] = await Promise.all([
          deps.aggregates.hours(channel.id, { fromHour: `${fromDay}T00`, toHour: `${toDay}T23` }),
          deps.alerts.list(channel.id),
        ]);
        const skip = promotionDays(config, channel.id);
        // Days an incident touched (a silent feed, a runaway campaign, a collapsed ROI) say nothing about how GMV
        // answers spend: left out like promotion days.
        for (const { state } of alerts.alerts) {
          if (!INCIDENT_RULES.has(state.rule)) continue;
          const until = Math.min(state.resolvedAtMs ?? Number.MAX_SAFE_INTEGER, Date.parse(`${addDays(toDay, 1)}T00:00:00Z`) + 86_400_000);
          for (let t = state.raisedAtMs; t <= until; t += 3_600_000) skip.add(bucketOf(t, config.timezone).day);
        }
        const days = [...rollUpDays(hours)].filter(([day]) => !skip.has(day)).map(([day, t]) => ({ day, spend: t.spend, gmv: t.gmv }));
        const stale = alerts.alerts.some(({ state }) => state.rule === 'feed_stale' && state.status === 'firing');
        return { channelId: channel.id, currency: channel.currency, budget: budgets.daily.get(channel.id) ?? channel.budget.daily, days, stale };
      }),
    );
  }

  /**
   * The loop closed: each approved proposal that has now been in force `reviewAfterDays` whole business days (from
   * the day after its approval) and was not reviewed yet is compared with what happened, stored once and announced.
   * Returns the reviews made now and every review known after the run (the calibration later proposals read).
   */
  async function reviewOutcomes(
    config: SentinelConfig,
    closedDay: string,
    atMs: number,
  ): Promise<{ reviewed: BudgetReallocationReviewedDetail[]; outcomes: BudgetReallocationReviewedDetail[] }> {
    const approved = await deps.budgets.list('approved');
    const due = approved
      .filter((p) => !p.outcome && p.decision)
      .map((p) => ({ p, window: reviewWindow(bucketOf((p.decision as Decision).atMs, config.timezone).day, config.reallocation.reviewAfterDays) }))
      .filter(({ window }) => window.to <= closedDay)
      .sort((a, b) => compareText(a.window.to, b.window.to) || compareText(a.p.id, b.p.id));
    const reviewed: BudgetReallocationReviewedDetail[] = [];
    const earlier = approved.flatMap((p) => (p.outcome ? [p.outcome] : []));
    let raced = false;
    for (const { p, window } of due) {
      const channels = channelIdsIn(config, p.currency);
      const days = new Map<string, Map<string, Totals>>();
      await Promise.all(
        channels.map(async (id) => {
          days.set(id, rollUpDays(await deps.aggregates.hours(id, { fromHour: `${p.detail.basis.from}T00`, toHour: `${window.to}T23` })));
        }),
      );
      const outcome = outcomeOf(p, channels, days, window, atMs);
      const calibration = calibrationOf([...earlier, outcome]);
      const detail: BudgetReallocationReviewedDetail = {
        ...outcome,
        calibration: outcome.channels.map((c) => calibration.get(c.channelId)).filter((c) => c !== undefined),
        summary:
          `${p.id} after ${window.days} business days in force (${window.from} to ${window.to}): the moved channels made ` +
          `${outcome.realised.amount.startsWith('-') ? '' : '+'}${outcome.realised.amount} ${p.currency} GMV a day` +
          `${outcome.realised.method === 'against_unmoved_channels' ? ` against what the unmoved channels' own change predicts` : ''}; ` +
          `predicted +${p.detail.expectedGain.amount} (90 % range ${p.detail.expectedGain.low} to ${p.detail.expectedGain.high}): ` +
          `${outcome.withinRange ? 'inside' : 'outside'} the range.`,
      };
      const saved = await deps.budgets.recordOutcome(p, detail, [entry(BudgetReallocationReviewedEvent, p.id, atMs, detail, '2')]);
      if (saved === 'saved') {
        reviewed.push(detail);
        earlier.push(detail);
      } else raced = true;
    }
    // Another run recorded one first: its record, not ours, is the one stored.
    const outcomes = raced ? (await deps.budgets.list('approved')).flatMap((p) => (p.outcome ? [p.outcome] : [])) : earlier;
    return { reviewed, outcomes };
  }

  async function review(proposalId: string, action: 'approve' | 'reject', reviewer: string, reason: string | undefined, atMs: number): Promise<ReviewResult> {
    for (let attempt = 1; ; attempt++) {
      // The budgets first, the proposal last: a proposal still pending was read after the budgets, so a version
      // mismatch cannot be this very proposal's concurrent approval (that would show as decided, a repeat).
      const config = await deps.config.current();
      const book = await deps.budgets.book();
      const current = effectiveBudgets(config, book);
      const record = await deps.budgets.get(proposalId);
      if (!record) return { kind: 'not_found', message: `no proposal ${proposalId}` };
      const verdict = reviewVerdict(record, action, atMs, current.version);
      if (verdict.kind === 'repeat') return { kind: 'repeated', proposal: record };
      if (verdict.kind === 'conflict') return { kind: 'conflict', reason: verdict.reason, message: verdict.message, proposal: record };
      const result =
        action === 'approve'
          ? await applyApproval(record, reviewer, reason, atMs, config, current, book)
          : await deps.budgets.decide(record, { outcome: 'rejected', atMs, by: reviewer, reason: reason as string }, [
              entry(
                BudgetReallocationRejectedEvent,
                record.id,
                atMs,
                { proposalId: record.id, rejectedAt: iso(atMs), reviewer: reviewer, reason: reason as string },
                '1',
              ),
            ]);
      if (result.ok) return { kind: 'decided', proposal: (await deps.budgets.get(proposalId)) as ProposalRecord };
      // Something changed underneath (a concurrent decision, an approval of another proposal, a config edit):
      // read again and answer from what is there now.
      if (attempt >= 3) throw new Error(`proposal ${proposalId} kept changing underneath`);
    }
  }

  async function applyApproval(
    record: ProposalRecord,
    reviewer: string,
    reason: string | undefined,
    atMs: number,
    config: SentinelConfig,
    current: EffectiveBudgets,
    book: BudgetBook | undefined,
  ) {
    const daily: Record<string, bigint> = Object.fromEntries(current.daily);
    Object.assign(daily, record.after);
    const next: BudgetBook = { counter: current.counter + 1, basis: current.basis, daily, updatedAtMs: atMs, updatedBy: reviewer, proposalId: record.id };
    const nextVersion = effectiveBudgets(config, next).version;
    const decision: Decision = { outcome: 'approved', atMs, by: reviewer, ...(reason ? { reason } : {}), budgetsVersion: nextVersion };
    const detail = {
      proposalId: record.id,
      approvedAt: iso(atMs),
      reviewer: reviewer,
      ...(reason ? { reason } : {}),
      previousBudgetsVersion: record.budgetsVersion,
      budgetsVersion: nextVersion,
      budgets: record.detail.budgets,
    };
    return deps.budgets.decide(record, decision, [entry(BudgetReallocationApprovedEvent, record.id, atMs, detail, '1')], {
      next,
      expectedCounter: book?.counter ?? 0,
    });
  }

  return {
    /**
     * The daily job, run once the business day before `atMs` has closed: expires what outlived its expiry, proposes
     * per currency from the last `lookbackDays` closed days, and expires older pending proposals the new one
     * supersedes. Idempotent per closed day (the proposal id names it), so a retried schedule proposes once.
     */
    async propose(config: SentinelConfig, atMs: number): Promise<ProposeReport> {
      const closedDay = addDays(bucketOf(atMs, config.timezone).day, -1);
      const fromDay = addDays(closedDay, -(config.reallocation.lookbackDays - 1));
      const expired: ProposeReport['expired'] = [];
      const { reviewed, outcomes } = await reviewOutcomes(config, closedDay, atMs);
      // Channels whose earlier proposals realised outside their ranges too often get wider ranges now.
      const calibration = calibrationOf(outcomes);
      for (const record of await deps.budgets.list('pending')) {
        if (record.expiresAtMs <= atMs && (await expire(record, atMs, 'expired'))) expired.push({ proposalId: record.id, reason: 'expired' });
      }
      const budgets = effectiveBudgets(config, await deps.budgets.book());
      const inputs = await inputsOf(config, budgets, fromDay, closedDay);
      const proposed: ProposalRecord[] = [];
      const skipped: ProposeReport['skipped'] = [];
      for (const currency of [...new Set(inputs.map((i) => i.currency))].sort()) {
        const plan = planReallocation(
          inputs.filter((i) => i.currency === currency),
          {
            minDays: config.reallocation.minDays,
            maxShiftPct: config.reallocation.maxShiftPct,
            minDailyBudget: minDailyBudgetIn(config, currency),
            minGainPct: config.reallocation.minGainPct,
            lossRiskPct: config.reallocation.lossRiskPct,
            quantum: 10n ** BigInt(minorDigits(currency)),
          },
        );
        if (plan.noProposal) {
          skipped.push({ currency, reason: plan.noProposal });
          continue;
        }
        const widening = rangeWidening(
          plan.channels.filter((c) => c.after !== c.before).map((c) => c.channelId),
          calibration,
        );
        const widen = (bound: bigint) => plan.gain.expected + BigInt(Math.round(Number(bound - plan.gain.expected) * widening.factor));
        const gain = widening.factor > 1 ? { ...plan.gain, low: widen(plan.gain.low), high: widen(plan.gain.high) } : plan.gain;
        if (gain.low <= 0n) {
          skipped.push({
            currency,
            reason: `past proposals moving ${widening.channels.map((c) => c.channelId).join(', ')} realised outside their ranges too often: widened ×${widening.factor.toFixed(2)}, the range reaches ${formatMoney(gain.low, currency)} a day`,
          });
          continue;
        }
        const made = proposalFromPlan(
          { ...plan, gain },
          {
            closedDay,
            basisFrom: fromDay,
            basisDays: config.reallocation.lookbackDays,
            timezone: config.timezone,
            currency,
            atMs,
            expiresAfterHours: config.reallocation.expiresAfterHours,
            budgetsVersion: budgets.version,
            counter: budgets.counter,
            basis: budgets.basis,
          },
        );
        const record =
          widening.factor > 1
            ? {
                ...made,
                detail: {
                  ...made.detail,
                  calibration: { factor: Math.round(widening.factor * 100) / 100, channels: widening.channels.map((c) => ({ ...c })) },
                  summary: `${made.detail.summary} The range is ${widening.factor.toFixed(2)}× as wide as the data alone says: earlier proposals moving ${widening.channels.map((c) => `${c.channelId} (${c.withinRange} of ${c.reviews} inside)`).join(', ')} missed their ranges.`,
                },
              }
            : made;
        if ((await deps.budgets.insert(record, [entry(BudgetReallocationProposedEvent, record.id, atMs, record.detail, '1')])) === 'saved')
          proposed.push(record);
        for (const older of await deps.budgets.list('pending')) {
          if (
            older.currency === currency &&
            older.id !== record.id &&
            older.createdAtMs < record.createdAtMs &&
            (await expire(older, atMs, 'superseded', record.id))
          )
            expired.push({ proposalId: older.id, reason: 'superseded' });
        }
      }
      return { closedDay, proposed, skipped, expired, reviewed };
    },

    /** The budgets in force, their version and where each figure comes from. */
    async budgets(): Promise<{ budgets: EffectiveBudgets; config: SentinelConfig }> {
      const config = await deps.config.current();
      return { budgets: effectiveBudgets(config, await deps.budgets.book()), config };
    },

    list: (status?: ProposalStatus) => deps.budgets.list(status),
    get: (proposalId: string) => deps.budgets.get(proposalId),
    audit: () => deps.budgets.audit(),
    approve: (proposalId: string, reviewer: string, reason: string | undefined, atMs: number) => review(proposalId, 'approve', reviewer, reason, atMs),
    reject: (proposalId: string, reviewer: string, reason: string, atMs: number) => review(proposalId, 'reject', reviewer, reason, atMs),

    /** Publishes whatever the budgets outbox holds. */
    publish: () => publishOutbox(deps.outbox, deps.publisher, [BUDGETS_OUTBOX]),
  };
}

export type Budgeting = ReturnType<typeof makeBudgeting>;
