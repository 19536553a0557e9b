/**
 * Proposals: a plan turned into what finance reads and approves, and the review decisions' rules. Pure: the
 * application service brings the data, the time and the stores.
 */
import type { BudgetReallocationProposedDetail, BudgetReallocationReviewedDetail } from '../../../events/outbound.ts';
import { formatMoney } from '../../kernel/money.ts';
import { type ChannelAssessment, FALLBACK_ELASTICITY, type Plan } from './reallocation.ts';

export const PROPOSAL_STATUSES = ['pending', 'approved', 'rejected', 'expired'] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

export interface Decision {
  readonly outcome: Exclude<ProposalStatus, 'pending'>;
  readonly atMs: number;
  /** The reviewer (approved, rejected) or `system` (expired). */
  readonly by: string;
  readonly reason?: string;
  readonly supersededBy?: string;
  /** The budgets' version an approval produced. */
  readonly budgetsVersion?: string;
}

export interface ProposalRecord {
  readonly id: string;
  readonly currency: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  /** The book it was computed against: approving requires it unchanged. */
  readonly budgetsVersion: string;
  readonly counter: number;
  readonly basis: string;
  /** Daily budgets after approval, minor units, for the channels it changes. */
  readonly after: Readonly<Record<string, bigint>>;
  readonly detail: BudgetReallocationProposedDetail;
  readonly status: ProposalStatus;
  readonly decision?: Decision;
  /** Once approved and in force long enough: what it did against what it promised (`Budget Reallocation Reviewed`). */
  readonly outcome?: BudgetReallocationReviewedDetail;
}

export interface ProposalContext {
  readonly closedDay: string;
  readonly basisFrom: string;
  readonly basisDays: number;
  readonly timezone: string;
  readonly currency: string;
  readonly atMs: number;
  readonly expiresAfterHours: number;
  readonly budgetsVersion: string;
  readonly counter: number;
  readonly basis: string;
}

/** Proposal ids name the closed business day (and currency): a retried daily job proposes the same proposal once. */
export const proposalIdOf = (closedDay: string, currency: string) => `prop-${closedDay}-${currency}`;

const ratio = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));

/**
 * The proposal a plan with moves becomes: amounts as decimal strings, each channel's reasoning, and one summary
 * sentence a finance person can read. Precondition: the plan has moves.
 */
export function proposalFromPlan(plan: Plan, ctx: ProposalContext): ProposalRecord {
  const money = (minor: bigint) => formatMoney(minor, ctx.currency);
  const changed = plan.channels.filter((c) => c.after !== c.before);
  const id = proposalIdOf(ctx.closedDay, ctx.currency);
  const moved = plan.moves.reduce((s, m) => s + m.amount, 0n);
  // Said where the shrink is large enough to make a reader wonder why the figure sits low in its range.
  const shrunkFrom = plan.gain.median !== undefined && plan.gain.median * 10n > plan.gain.expected * 11n ? plan.gain.median : undefined;
  const summary =
    `Move ${money(moved)} ${ctx.currency} of daily budget: ` +
    plan.moves
      .map(
        (m) =>
          `${money(m.amount)} from ${m.fromChannelId} (marginal ROI ${ratio(find(plan, m.fromChannelId).marginalRoi)}) to ${m.toChannelId} (${ratio(find(plan, m.toChannelId).marginalRoi)})`,
      )
      .join('; ') +
    `: expected +${money(plan.gain.expected)} ${ctx.currency} GMV a day (likely between ${money(plan.gain.low)} and ${money(plan.gain.high)}` +
    (shrunkFrom !== undefined
      ? `; the curves' middle says +${money(shrunkFrom)}, stated lower because a gain this close to its own noise is usually flattered by having been proposed`
      : '') +
    `), based on ${ctx.basisFrom} to ${ctx.closedDay}.`;
  const detail: BudgetReallocationProposedDetail = {
    proposalId: id,
    createdAt: new Date(ctx.atMs).toISOString(),
    expiresAt: new Date(ctx.atMs + ctx.expiresAfterHours * 3_600_000).toISOString(),
    basis: { from: ctx.basisFrom, to: ctx.closedDay, days: ctx.basisDays, timezone: ctx.timezone },
    budgetsVersion: ctx.budgetsVersion,
    currency: ctx.currency,
    moves: plan.moves.map((m) => ({ fromChannelId: m.fromChannelId, toChannelId: m.toChannelId, amount: money(m.amount) })),
    budgets: changed.map((c) => ({ channelId: c.channelId, before: money(c.before), after: money(c.after) })),
    expectedGain: { amount: money(plan.gain.expected), low: money(plan.gain.low), high: money(plan.gain.high), per: 'day' },
    ...(shrunkFrom === undefined ? {} : { gainMiddle: money(shrunkFrom) }),
    channels: plan.channels.map((c) => reasoningOf(c, money)),
    ...(plan.spendTests.length
      ? { spendTests: plan.spendTests.map((t) => ({ channelId: t.channelId, low: money(t.low), high: money(t.high), days: t.days })) }
      : {}),
    summary,
  };
  return {
    id,
    currency: ctx.currency,
    createdAtMs: ctx.atMs,
    expiresAtMs: ctx.atMs + ctx.expiresAfterHours * 3_600_000,
    budgetsVersion: ctx.budgetsVersion,
    counter: ctx.counter,
    basis: ctx.basis,
    after: Object.fromEntries(changed.map((c) => [c.channelId, c.after])),
    detail,
    status: 'pending',
  };
}

function find(plan: Plan, channelId: string): ChannelAssessment {
  return plan.channels.find((c) => c.channelId === channelId) as ChannelAssessment;
}

const round = (x: number | null, digits = 3) => (x === null || !Number.isFinite(x) ? null : Number(x.toFixed(digits)));

function reasoningOf(c: ChannelAssessment, money: (minor: bigint) => string): BudgetReallocationProposedDetail['channels'][number] {
  return {
    channelId: c.channelId,
    decision: c.decision,
    ...(c.why ? { why: c.why } : {}),
    model: c.model?.kind ?? null,
    ...(c.model?.kind === 'fallback' ? { modelNote: c.model.why } : c.model ? { modelNote: modelNoteOf(c.model) } : {}),
    elasticity: round(c.model?.b ?? null),
    r2: c.model && c.model.kind !== 'fallback' ? round(c.model.r2) : null,
    days: c.days,
    meanDailySpend: money(c.meanSpend),
    meanDailyGmv: money(c.meanGmv),
    averageRoi: round(c.averageRoi),
    marginalRoi: round(c.marginalRoi),
    marginalRoiAfter: round(c.marginalRoiAfter),
    ...(c.directionConfidence === undefined ? {} : { directionConfidence: round(c.directionConfidence, 2) as number }),
    ...(c.spendRange ? { spendRange: { min: money(c.spendRange.min), max: money(c.spendRange.max) } } : {}),
  };
}

/**
 * Why this curve, in words: the family the leave-one-day-out error chose, and — where the elasticity prior moved the
 * slope noticeably — what the days alone said, so a reader sees how much of the figure is belief rather than data.
 */
function modelNoteOf(m: Exclude<ChannelAssessment['model'], undefined>): string {
  if (m.kind === 'saturating')
    return `a saturating curve (returns fall off as spend grows) predicted left-out days clearly better than a constant-elasticity one (elasticity ${ratio(m.b)} at its usual spend)`;
  const prior =
    m.kind === 'log-log' && Math.abs(m.b - m.fittedB) >= 0.05
      ? ` — the days alone say ${ratio(m.fittedB)}, weighed against the usual ${ratio(FALLBACK_ELASTICITY)} by how sure each is`
      : '';
  return `a constant-elasticity curve (a saturating one did not predict left-out days clearly better; elasticity ${ratio(m.b)}${prior})`;
}

export type ReviewAction = 'approve' | 'reject';

export type ReviewVerdict =
  | { readonly kind: 'proceed' }
  /** Already decided the same way: the first outcome is the answer (approving twice is harmless). */
  | { readonly kind: 'repeat'; readonly decision: Decision }
  | { readonly kind: 'conflict'; readonly reason: 'already_decided' | 'expired' | 'budgets_changed'; readonly message: string };

/**
 * Whether a review may go ahead, before anything is written. Invariant: a proposal is decided at most once; the
 * same request again gets the first outcome; anything else on a decided, expired or outdated proposal is a
 * conflict that changes nothing.
 */
export function reviewVerdict(record: ProposalRecord, action: ReviewAction, atMs: number, currentBudgetsVersion: string): ReviewVerdict {
  const wanted = action === 'approve' ? 'approved' : 'rejected';
  if (record.decision) {
    if (record.decision.outcome === wanted) return { kind: 'repeat', decision: record.decision };
    return {
      kind: 'conflict',
      reason: record.decision.outcome === 'expired' ? 'expired' : 'already_decided',
      message: `proposal ${record.id} was already ${record.decision.outcome} by ${record.decision.by} at ${new Date(record.decision.atMs).toISOString()}`,
    };
  }
  if (atMs >= record.expiresAtMs) return { kind: 'conflict', reason: 'expired', message: `proposal ${record.id} expired at ${record.detail.expiresAt}` };
  if (action === 'approve' && currentBudgetsVersion !== record.budgetsVersion) {
    return {
      kind: 'conflict',
      reason: 'budgets_changed',
      message: `budgets changed since the proposal was computed (it was computed against ${record.budgetsVersion}; now ${currentBudgetsVersion}); the next proposal will start from the budgets in force`,
    };
  }
  return { kind: 'proceed' };
}
