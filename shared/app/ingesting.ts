/**
 * Ingesting, the use case: one delivered message becomes an accepted event stored once, a duplicate, or a quarantine
 * entry with its reason and payload. Nothing about the message is thrown: only storage errors fail it (and then only
 * it), for the queue to redeliver.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { admit, type RejectionReason } from '../domain/admission.ts';
import { retainUntilMs, type SentinelConfig } from '../domain/config.ts';
import type { ConfigSource, EventStore, IntakeLog } from './ports.ts';

export interface IngestingDeps {
  readonly config: ConfigSource;
  readonly events: EventStore;
  readonly intake: IntakeLog;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** A delivery: the queue's message id (redeliveries share it), the body as sent, and when the queue took it. */
export interface Delivery {
  readonly messageId: string;
  readonly body: string;
  readonly sentAtMs: number;
}

export type IngestOutcome = 'accepted' | 'duplicate' | 'quarantined';

export function makeIngesting(deps: IngestingDeps) {
  const quarantine = async (
    config: SentinelConfig,
    delivery: Delivery,
    reason: RejectionReason,
    message: string,
    extra: { eventId?: string; channelId?: string; arrivedAtMs?: number },
  ) => {
    const atMs = extra.arrivedAtMs ?? delivery.sentAtMs;
    await deps.intake.quarantine({
      messageId: delivery.messageId,
      reason,
      message,
      payload: delivery.body,
      atMs,
      retainUntilMs: retainUntilMs(config, 'logs', atMs),
      ...(extra.eventId === undefined ? {} : { eventId: extra.eventId }),
      ...(extra.channelId === undefined ? {} : { channelId: extra.channelId }),
    });
    deps.metrics.addMetric('EventsQuarantined', MetricUnit.Count, 1);
    deps.logger.warn('event quarantined', { messageId: delivery.messageId, reason, detail: message, eventId: extra.eventId, channelId: extra.channelId });
    return 'quarantined' as const;
  };

  return async (delivery: Delivery): Promise<IngestOutcome> => {
    const config = await deps.config.current();
    const admission = admit(delivery.body, config);
    if (!admission.ok) return quarantine(config, delivery, admission.reason, admission.message, admission);
    const { event, encoded, bucket, arrivedAtMs } = admission;
    const put = await deps.events.putIfAbsent({
      channelId: event.channelId,
      eventId: event.eventId,
      encoded,
      hour: bucket.hour,
      arrivedAtMs,
      retainUntilMs: retainUntilMs(config, 'events', arrivedAtMs),
    });
    if (put.kind === 'stored') {
      deps.metrics.addMetric('EventsAccepted', MetricUnit.Count, 1);
      return 'accepted';
    }
    if (put.encoded === encoded) {
      await deps.intake.duplicate({
        messageId: delivery.messageId,
        eventId: event.eventId,
        channelId: event.channelId,
        atMs: arrivedAtMs,
        retainUntilMs: retainUntilMs(config, 'logs', arrivedAtMs),
      });
      deps.metrics.addMetric('EventsDuplicate', MetricUnit.Count, 1);
      return 'duplicate';
    }
    return quarantine(
      config,
      delivery,
      'conflicting_duplicate',
      `event ${event.eventId} was already accepted on channel ${event.channelId} with different content; the first one stays`,
      {
        eventId: event.eventId,
        channelId: event.channelId,
        arrivedAtMs,
      },
    );
  };
}
