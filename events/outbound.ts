import * as z from 'zod';
import { defineEvent } from './define-event.ts';
import { businessDay, instant } from './fields.ts';
import { SENTINEL_SOURCE } from './routes.ts';

export const RULES = ['price_violation', 'unauthorized_region', 'budget_overrun', 'roi_drop', 'feed_stale', 'conversion_mismatch'] as const;
export type RuleName = (typeof RULES)[number];

/**
 * What a rule measured or what broke it: money as a decimal string in the channel currency, ratios and counts as
 * numbers, a region code for a territory breach.
 */
const quantity = z.union([z.string().min(1), z.number()]);

/** Which alert, of which rule and subject, at which severity: as every alert event and every review names one. */
const alertSubject = {
  rule: z.enum(RULES),
  severity: z.enum(['warning', 'critical']),
  channelId: z.string().min(1),
  storeId: z.string().min(1).optional(),
  sku: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
  period: z.enum(['day', 'month']).optional(),
  basis: z.enum(['actual', 'forecast']).optional(),
};

/** What every announcement of a firing alert says: its identity, subject, verdict and when it was raised. */
const firingAlert = {
  alertId: z.string().min(1),
  fingerprint: z.string().min(1),
  ...alertSubject,
  summary: z.string().min(1),
  observed: quantity,
  threshold: quantity,
  raisedAt: instant,
  impact: z
    .strictObject({
      amount: z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal string in major units'),
      currency: z.string().length(3),
      basis: z.string().min(1),
    })
    .optional()
    .meta({ description: 'Money at risk while the alert fires, in the channel currency, with the one sentence that says how it is counted.' }),
};

export const AlertRaisedEvent = defineEvent({
  source: SENTINEL_SOURCE,
  detailType: 'Alert Raised',
  description: 'A rule started firing for a subject (rule + subject = fingerprint). Raised once per firing; consumers drop repeats by alertId + detail-type.',
  detail: z.strictObject({ ...firingAlert, evidence: z.record(z.string(), z.unknown()) }),
});

export const AlertEscalatedEvent = defineEvent({
  source: SENTINEL_SOURCE,
  detailType: 'Alert Escalated',
  description:
    'A firing alert became more severe (e.g. ROI under its 7-day baseline, then under the floor): the same alertId, its previous and new ' +
    'severity, the value and threshold that escalated it. At most once per alert: severity never steps down while it fires.',
  detail: z.strictObject({
    ...firingAlert,
    previousSeverity: z.enum(['warning', 'critical']),
    escalatedAt: instant,
    evidence: z.record(z.string(), z.unknown()),
  }),
});

export const AlertAcknowledgedEvent = defineEvent({
  source: SENTINEL_SOURCE,
  detailType: 'Alert Acknowledged',
  description:
    'Someone on call took a firing alert on: who, when and their note. Reminders stop until its severity rises; acknowledging again announces nothing.',
  detail: z.strictObject({
    alertId: z.string().min(1),
    fingerprint: z.string().min(1),
    rule: z.enum(RULES),
    severity: z.enum(['warning', 'critical']),
    channelId: z.string().min(1),
    acknowledgedBy: z.string().min(1),
    acknowledgedAt: instant,
    note: z.string().min(1).optional(),
  }),
});

export const AlertResolvedEvent = defineEvent({
  source: SENTINEL_SOURCE,
  detailType: 'Alert Resolved',
  description:
    'A firing alert stopped: the condition cleared (with hysteresis), its period ended, or its subject complied or stayed quiet — never for a change of severity.',
  detail: z.strictObject({
    alertId: z.string().min(1),
    fingerprint: z.string().min(1),
    rule: z.enum(RULES),
    channelId: z.string().min(1),
    resolvedAt: instant,
    reason: z.string().min(1),
  }),
});

export const AlertReminderSentEvent = defineEvent({
  source: SENTINEL_SOURCE,
  detailType: 'Alert Reminder Sent',
  description: 'An alert is still firing after the configured repeat interval (alerting.repeatIntervalMinutes); sent again every interval until it resolves.',
  detail: z.strictObject({ ...firingAlert, remindedAt: instant, count: z.number().int().positive() }),
});

const amount = z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal string in major units');
const signedAmount = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string in major units');
const budgetChange = z.strictObject({ channelId: z.string().min(1), before: amount, after: amount });

/** Why each channel's figure is what it is: the model, the data behind it and the decision (SPEC §5). */
const channelReasoning = z.strictObject({
  channelId: z.string().min(1),
  decision: z.enum(['gives', 'receives', 'unchanged', 'left_alone']),
  why: z.string().min(1).optional(),
  /** `log-log`: GMV = a·spend^b; `saturating`: GMV = β·tanh(λ·spend/2); `fallback`: no curve could be learned. */
  model: z.enum(['log-log', 'saturating', 'fallback']).nullable(),
  modelNote: z.string().min(1).optional(),
  elasticity: z.number().nullable(),
  r2: z.number().nullable(),
  days: z.number().int().nonnegative(),
  meanDailySpend: amount,
  meanDailyGmv: amount,
  averageRoi: z.number().nullable(),
  marginalRoi: z.number().nullable(),
  marginalRoiAfter: z.number().nullable(),
  /** Share of the plans re-made under the curves the days allow that move the channel the same way (moved channels only). */
  directionConfidence: z.number().min(0).max(1).optional(),
  /** The daily spend its days cover: it never moves beyond. */
  spendRange: z.strictObject({ min: amount, max: amount }).optional(),
});

export const BudgetReallocationProposedEvent = defineEvent({
  source: SENTINEL_SOURCE,
  detailType: 'Budget Reallocation Proposed',
  description: 'After a business day closed: move daily budget from low to high marginal ROI. Finance approves or rejects it before expiresAt.',
  detail: z.strictObject({
    proposalId: z.string().min(1),
    createdAt: instant,
    expiresAt: instant,
    basis: z.strictObject({ from: businessDay, to: businessDay, days: z.number().int().positive(), timezone: z.string().min(1) }),
    budgetsVersion: z.string().min(1),
    currency: z.string().length(3),
    moves: z.array(z.strictObject({ fromChannelId: z.string().min(1), toChannelId: z.string().min(1), amount })).min(1),
    budgets: z.array(budgetChange).min(1),
    expectedGain: z.strictObject({ amount: signedAmount, low: signedAmount, high: signedAmount, per: z.literal('day') }),
    /**
     * The middle of the judgements (the median daily gain of the proposed budgets under the curves the days allow),
     * present where the `expectedGain.amount` stated is more than 10 % below it: a gain this close to its own noise is
     * usually flattered by having cleared the bar for a proposal, so the amount stated is shrunk toward zero.
     */
    gainMiddle: signedAmount.optional(),
    channels: z.array(channelReasoning),
    /**
     * Channels whose curve the days cannot tell, each with a bounded experiment that would: alternate the daily
     * budget between low and high for `days` days. A suggestion beside the moves, not part of them.
     */
    spendTests: z.array(z.strictObject({ channelId: z.string().min(1), low: amount, high: amount, days: z.number().int().positive() })).optional(),
    /**
     * Present when earlier reviewed proposals that moved these channels realised outside their ranges too often:
     * the range was widened by `factor` (see `Budget Reallocation Reviewed`'s calibration).
     */
    calibration: z
      .strictObject({
        factor: z.number().min(1),
        channels: z.array(
          z.strictObject({
            channelId: z.string().min(1),
            reviews: z.number().int().positive(),
            withinRange: z.number().int().nonnegative(),
            share: z.number(),
          }),
        ),
      })
      .optional(),
    summary: z.string().min(1),
  }),
});

export const BudgetReallocationApprovedEvent = defineEvent({
  source: SENTINEL_SOURCE,
  detailType: 'Budget Reallocation Approved',
  description: 'Finance approved a proposal; its budgets applied atomically and are in force from approvedAt (budgetsVersion is the new version).',
  detail: z.strictObject({
    proposalId: z.string().min(1),
    approvedAt: instant,
    reviewer: z.string().min(1),
    reason: z.string().optional(),
    previousBudgetsVersion: z.string().min(1),
    budgetsVersion: z.string().min(1),
    budgets: z.array(budgetChange).min(1),
  }),
});

export const BudgetReallocationRejectedEvent = defineEvent({
  source: SENTINEL_SOURCE,
  detailType: 'Budget Reallocation Rejected',
  description: 'Finance rejected a proposal; budgets are unchanged.',
  detail: z.strictObject({ proposalId: z.string().min(1), rejectedAt: instant, reviewer: z.string().min(1), reason: z.string().min(1) }),
});

export const BudgetReallocationExpiredEvent = defineEvent({
  source: SENTINEL_SOURCE,
  detailType: 'Budget Reallocation Expired',
  description: 'A pending proposal can no longer be approved: it outlived expiresAt, or a newer proposal superseded it.',
  detail: z.strictObject({
    proposalId: z.string().min(1),
    expiredAt: instant,
    reason: z.enum(['expired', 'superseded']),
    supersededBy: z.string().min(1).optional(),
  }),
});

const ratio = z.number().nullable();
const totalsOfPeriod = z.strictObject({
  gmv: amount,
  orders: z.number().int().nonnegative(),
  units: z.number().int().nonnegative(),
  refunds: amount,
  refundCount: z.number().int().nonnegative(),
  spend: amount,
  impressions: z.number().int().nonnegative(),
  clicks: z.number().int().nonnegative(),
  reportedConversions: z.number().int().nonnegative(),
  visits: z.number().int().nonnegative(),
});
/** SPEC §3's derived KPIs: money per order in the channel currency, ratios as numbers; null where undefined (no orders…). */
const kpisOfPeriod = z.strictObject({
  aov: amount.nullable(),
  conversionRate: ratio,
  roi: ratio,
  refundRate: ratio,
  ctr: ratio,
  costPerOrder: amount.nullable(),
});
const span = z.strictObject({ from: businessDay, to: businessDay, days: z.number().int().positive() });
/**
 * The moved channels' GMV per day in force less what they would have made without the move: their basis GMV per day
 * scaled by the unmoved channels' own change (`control`, `controlChange`); without unmoved channels, the plain difference.
 */
const realisedAgainstControl = z.strictObject({
  amount: signedAmount,
  per: z.literal('day'),
  method: z.enum(['against_unmoved_channels', 'before_after']),
  control: z.array(z.string().min(1)),
  controlChange: z.number().nullable(),
});

export const ReviewPublishedEvent = defineEvent({
  source: SENTINEL_SOURCE,
  detailType: 'Review Published',
  description:
    "The periodic review the team meets over (日/周/月度执行报表): per channel the period's totals and KPIs against the previous period and the " +
    'plan, ROI by day, the biggest movers, the incidents with their money at risk and what was done (问题整改记录), the proposals and ' +
    'the store leaderboard. Published after the business day (day), the Sunday (week) or the last day of the month (month) closed, ' +
    "once per reviewId. Figures are decimal strings in each channel's currency; only `summary` is in the configured locale.",
  detail: z.strictObject({
    reviewId: z.string().min(1),
    period: z.enum(['day', 'week', 'month']),
    ...span.shape,
    /** False for a review asked for before its period ended (`sentinel report`): the figures are period-to-date. */
    complete: z.boolean(),
    /**
     * 0 when the period closed; one more each time late events or restated reports changed its figures (re-checked
     * after every business day while they may still arrive: the lateness and restatement windows). The latest
     * revision of a reviewId is the review; consumers drop repeats by reviewId + revision.
     */
    revision: z.number().int().nonnegative(),
    previous: span,
    timezone: z.string().min(1),
    locale: z.enum(['en', 'zh-CN']),
    generatedAt: instant,
    channels: z.array(
      z.strictObject({
        channelId: z.string().min(1),
        currency: z.string().length(3),
        totals: totalsOfPeriod,
        kpis: kpisOfPeriod,
        previous: z.strictObject({ totals: totalsOfPeriod, kpis: kpisOfPeriod }),
        /** Change against the previous period: percentages (null from zero), the ROI as a difference. */
        change: z.strictObject({ gmvPct: ratio, ordersPct: ratio, spendPct: ratio, roi: ratio }),
        /** The plan: daily budget in force × days, the spend against it, the ROI floor and where the ROI stands. */
        plan: z.strictObject({
          budget: amount,
          spend: amount,
          utilisation: ratio,
          roiFloor: ratio,
          roiStatus: z.enum(['above_floor', 'below_floor', 'no_floor', 'no_spend']),
        }),
        roiByDay: z.array(z.strictObject({ day: businessDay, roi: ratio })),
      }),
    ),
    /** The channels whose GMV moved most against the previous period (by share, largest first). */
    movers: z.array(z.strictObject({ channelId: z.string().min(1), currency: z.string().length(3), gmvChange: signedAmount, gmvChangePct: ratio })),
    /** The rectification log: every alert that fired during the period, what it put at stake and what was done. */
    incidents: z.array(
      z.strictObject({
        alertId: z.string().min(1),
        ...alertSubject,
        status: z.enum(['firing', 'resolved']),
        raisedAt: instant,
        resolvedAt: instant.optional(),
        resolveReason: z.string().optional(),
        breaches: z.number().int().positive(),
        impact: z.strictObject({ amount, currency: z.string().length(3) }).optional(),
        acknowledgedBy: z.string().min(1).optional(),
        acknowledgedAt: instant.optional(),
        note: z.string().optional(),
        summary: z.string().min(1),
      }),
    ),
    /** Incidents of the period; the log lists at most 200 (the most money at risk). */
    incidentsTotal: z.number().int().nonnegative(),
    proposals: z.array(
      z.strictObject({
        proposalId: z.string().min(1),
        createdAt: instant,
        status: z.enum(['pending', 'approved', 'rejected', 'expired']),
        currency: z.string().length(3),
        expectedGain: z.strictObject({ amount: signedAmount, low: signedAmount, high: signedAmount, per: z.literal('day') }),
        decidedBy: z.string().min(1).optional(),
        decidedAt: instant.optional(),
        /**
         * For an approved proposal with whole days in force inside the period: the moved channels' GMV per day then,
         * against the basis days' — what actually happened beside what was expected. `change` is the plain difference,
         * festivals and slow weeks included; `attributed` what the move can be credited with, measured the way
         * `Budget Reallocation Reviewed` measures it (absent from reviews published before it was added).
         */
        realised: z
          .strictObject({
            days: z.number().int().positive(),
            gmvPerDayBefore: amount,
            gmvPerDayAfter: amount,
            change: signedAmount,
            attributed: realisedAgainstControl.optional(),
          })
          .optional(),
      }),
    ),
    /** Stores (a group-buy leader, a live room, a shop) ranked by GMV: the leaderboard the plans reward (团长周榜). */
    stores: z.array(
      z.strictObject({
        rank: z.number().int().positive(),
        channelId: z.string().min(1),
        storeId: z.string().min(1),
        currency: z.string().length(3),
        gmv: amount,
        orders: z.number().int().nonnegative(),
        aov: amount.nullable(),
        refunds: amount,
        refundRate: ratio,
        /** Price-floor breaches (sales below the floor) of alerts on this store during the period. */
        violations: z.number().int().nonnegative(),
        /** Orders shipped outside the store's territory (竄貨) of alerts on this store during the period. */
        divertedOrders: z.number().int().nonnegative(),
      }),
    ),
    /** Stores with sales or refunds in the period; the leaderboard lists the first 100. */
    storesTotal: z.number().int().nonnegative(),
    summary: z.string().min(1),
  }),
});
export type ReviewPublishedDetail = z.infer<typeof ReviewPublishedEvent.detail>;

export const BudgetReallocationReviewedEvent = defineEvent({
  source: SENTINEL_SOURCE,
  detailType: 'Budget Reallocation Reviewed',
  description:
    'An approved proposal after it was in force for reallocation.reviewAfterDays whole business days: the gain it predicted beside the change ' +
    "that happened in the moved channels' GMV per day (against the unmoved channels of its currency, which carry the market's own movement), " +
    "whether that fell inside the predicted range, and each moved channel's running calibration, which later proposals use to widen their ranges.",
  detail: z.strictObject({
    proposalId: z.string().min(1),
    reviewedAt: instant,
    approvedAt: instant,
    currency: z.string().length(3),
    /** The business days it was in force, from the day after its approval. */
    window: z.strictObject({ from: businessDay, to: businessDay, days: z.number().int().positive() }),
    basis: z.strictObject({ from: businessDay, to: businessDay, days: z.number().int().positive() }),
    predicted: z.strictObject({ amount: signedAmount, low: signedAmount, high: signedAmount, per: z.literal('day') }),
    /** What the move realised: against the unmoved channels of its currency (see `realisedAgainstControl`). */
    realised: realisedAgainstControl,
    withinRange: z.boolean(),
    channels: z.array(
      z.strictObject({
        channelId: z.string().min(1),
        budgetBefore: amount,
        budgetAfter: amount,
        gmvPerDayBefore: amount,
        gmvPerDayAfter: amount,
        /** GMV per day in force less the basis scaled by the control's change. */
        change: signedAmount,
        /** Its GMV moved the way its budget did (up for a channel that received budget, down for one that gave). */
        movedAsExpected: z.boolean(),
      }),
    ),
    /** Per moved channel, over every reviewed proposal that moved it (this one included). */
    calibration: z.array(
      z.strictObject({ channelId: z.string().min(1), reviews: z.number().int().positive(), withinRange: z.number().int().nonnegative(), share: z.number() }),
    ),
    summary: z.string().min(1),
  }),
});
export type BudgetReallocationReviewedDetail = z.infer<typeof BudgetReallocationReviewedEvent.detail>;

const budgetEvents = [
  BudgetReallocationProposedEvent,
  BudgetReallocationApprovedEvent,
  BudgetReallocationRejectedEvent,
  BudgetReallocationExpiredEvent,
  BudgetReallocationReviewedEvent,
] as const;

/** Every event Channel Sentinel publishes. */
export const outboundEvents = [
  AlertRaisedEvent,
  AlertEscalatedEvent,
  AlertAcknowledgedEvent,
  AlertResolvedEvent,
  AlertReminderSentEvent,
  ...budgetEvents,
  ReviewPublishedEvent,
] as const;
export type BudgetReallocationProposedDetail = z.infer<typeof BudgetReallocationProposedEvent.detail>;
export type AlertRaisedDetail = z.infer<typeof AlertRaisedEvent.detail>;
export type AlertResolvedDetail = z.infer<typeof AlertResolvedEvent.detail>;
