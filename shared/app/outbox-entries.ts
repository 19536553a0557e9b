/**
 * Outbox entries built from the contract: an entry's detail is typed by its outbound definition, so a missing or
 * misspelt field is a compile error here rather than an entry the publisher refuses at run time.
 */
import type * as z from 'zod';
import type { EventDefinition } from '../../events/define-event.ts';
import { AlertAcknowledgedEvent, AlertEscalatedEvent, AlertRaisedEvent, AlertReminderSentEvent, AlertResolvedEvent } from '../../events/outbound.ts';
import type { Notification } from '../domain/alerts/alert.ts';
import type { OutboxEntry } from './ports.ts';

/** An outbound event's detail-type and detail, the detail checked against the definition by the compiler. */
export function announce<D extends z.ZodType>(definition: EventDefinition<D>, detail: z.input<D>): Pick<OutboxEntry, 'detailType' | 'detail'> {
  return { detailType: definition.detailType, detail: detail as Record<string, unknown> };
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The outbox entries that announce a transition's notifications. `version` is the fingerprint's state version the
 * transition writes; with the fingerprint and the position it orders entries of one instant (a resolution before the
 * raise that follows it). Ids are alertId + detail-type (a reminder also its instant): consumers drop repeats by them.
 */
export function alertEntries(notifications: readonly Notification[], atMs: number, version: number): OutboxEntry[] {
  return notifications.map((n, i) => {
    const a = n.alert;
    const common = { channelId: a.subject.channelId, seq: `${a.fingerprint}#${String(version).padStart(9, '0')}#${i}`, timeMs: atMs };
    // What every announcement of a firing alert says (the outbound schemas' `firingAlert`).
    const firing = {
      alertId: a.alertId,
      fingerprint: a.fingerprint,
      rule: a.rule,
      severity: a.severity,
      ...a.subject,
      summary: a.summary,
      observed: a.observed,
      threshold: a.threshold,
      raisedAt: iso(a.raisedAtMs),
      ...(a.impact ? { impact: a.impact } : {}),
    };
    switch (n.type) {
      case 'reminder':
        return {
          ...common,
          id: `${a.alertId}#${AlertReminderSentEvent.detailType}@${atMs}`,
          ...announce(AlertReminderSentEvent, { ...firing, remindedAt: iso(atMs), count: a.count }),
        };
      case 'raised':
        return {
          ...common,
          id: `${a.alertId}#${AlertRaisedEvent.detailType}`,
          ...announce(AlertRaisedEvent, { ...firing, evidence: { ...a.evidence, count: a.count } }),
        };
      case 'escalated':
        return {
          ...common,
          id: `${a.alertId}#${AlertEscalatedEvent.detailType}`,
          ...announce(AlertEscalatedEvent, {
            ...firing,
            previousSeverity: n.previousSeverity,
            escalatedAt: iso(atMs),
            evidence: { ...a.evidence, count: a.count },
          }),
        };
      case 'acknowledged':
        return {
          ...common,
          id: `${a.alertId}#${AlertAcknowledgedEvent.detailType}@${a.severity}`,
          ...announce(AlertAcknowledgedEvent, {
            alertId: a.alertId,
            fingerprint: a.fingerprint,
            rule: a.rule,
            severity: a.severity,
            channelId: a.subject.channelId,
            acknowledgedBy: a.acknowledged?.by ?? 'unknown',
            acknowledgedAt: iso(a.acknowledged?.atMs ?? atMs),
            ...(a.acknowledged?.note ? { note: a.acknowledged.note } : {}),
          }),
        };
      case 'resolved':
        return {
          ...common,
          id: `${a.alertId}#${AlertResolvedEvent.detailType}`,
          ...announce(AlertResolvedEvent, {
            alertId: a.alertId,
            fingerprint: a.fingerprint,
            rule: a.rule,
            channelId: a.subject.channelId,
            resolvedAt: iso(a.resolvedAtMs ?? atMs),
            reason: a.resolveReason ?? 'resolved',
          }),
        };
    }
  });
}
