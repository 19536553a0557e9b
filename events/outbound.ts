import { z } from 'zod';
import { defineEvent } from './define-event.ts';
import { SENTINEL_SOURCE } from './routes.ts';

export const RULES = ['price_violation', 'unauthorized_region', 'budget_overrun', 'roi_drop', 'feed_stale', 'conversion_mismatch'] as const;
export type RuleName = (typeof RULES)[number];

const instant = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/, 'must be ISO 8601 with an offset');
/**
 * What a rule measured or what broke it: money as a decimal string in the channel currency, ratios and counts as
 * numbers, a region code for a territory breach.
 */
const quantity = z.union([z.string().min(1), z.number()]);

/** What every announcement of a firing alert says: its identity, subject, verdict and when it was raised. */
const firingAlert = {
  alertId: z.string().min(1),
  fingerprint: z.string().min(1),
  rule: z.enum(RULES),
  severity: z.enum(['warning', 'critical']),
  channelId: z.string().min(1),
  storeId: z.string().min(1).optional(),
  sku: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
  period: z.enum(['day', 'month']).optional(),
  basis: z.enum(['actual', 'forecast']).optional(),
  summary: z.string().min(1),
  observed: quantity,
  threshold: quantity,
  raisedAt: instant,
};

export const AlertRaisedEvent = defineEvent({
  source: SENTINEL_SOURCE,
  detailType: 'Alert Raised',
  description: 'A rule started firing for a subject (rule + subject = fingerprint). Raised once per firing; consumers drop repeats by alertId + detail-type.',
  detail: z.strictObject({ ...firingAlert, evidence: z.record(z.string(), z.unknown()) }),
});

export const AlertResolvedEvent = defineEvent({
  source: SENTINEL_SOURCE,
  detailType: 'Alert Resolved',
  description: 'A firing alert stopped: the condition cleared (with hysteresis), its period ended, or its subject complied or stayed quiet.',
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

/** Every event Channel Sentinel publishes (budget reallocation events join this list with the budgets work). */
export const outboundEvents = [AlertRaisedEvent, AlertResolvedEvent, AlertReminderSentEvent] as const;
export type AlertRaisedDetail = z.infer<typeof AlertRaisedEvent.detail>;
export type AlertResolvedDetail = z.infer<typeof AlertResolvedEvent.detail>;
