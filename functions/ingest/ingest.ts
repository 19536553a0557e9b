import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { admit, type RejectionReason } from '../../shared/domain/admission.ts';
import type { ConfigSource } from '../../shared/adapters/config-store.ts';
import type { EventStore } from '../../shared/adapters/event-store.ts';
import type { IntakeLog } from '../../shared/adapters/intake-log.ts';

export interface IngestDeps {
  readonly config: ConfigSource;
  readonly events: EventStore;
  readonly intake: IntakeLog;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export type IngestOutcome = 'accepted' | 'duplicate' | 'quarantined';

/**
 * Ingest: SQS batches of EventBridge events in; each accepted event stored once; everything else quarantined
 * (or, for an identical redelivery, counted as a duplicate) and acknowledged. Only infrastructure errors fail a
 * record, and then only that record: the batch response lists it for SQS to redeliver.
 */
export function makeIngestRecordHandler(deps: IngestDeps) {
  const quarantine = async (record: SQSRecord, reason: RejectionReason, message: string, extra: { eventId?: string; channelId?: string; arrivedAtMs?: number }) => {
    await deps.intake.quarantine({
      messageId: record.messageId,
      reason,
      message,
      payload: record.body,
      atMs: extra.arrivedAtMs ?? Number(record.attributes.SentTimestamp),
      ...(extra.eventId === undefined ? {} : { eventId: extra.eventId }),
      ...(extra.channelId === undefined ? {} : { channelId: extra.channelId }),
    });
    deps.metrics.addMetric('EventsQuarantined', MetricUnit.Count, 1);
    deps.logger.warn('event quarantined', { messageId: record.messageId, reason, detail: message, eventId: extra.eventId, channelId: extra.channelId });
    return 'quarantined' as const;
  };

  return async (record: SQSRecord): Promise<IngestOutcome> => {
    const admission = admit(record.body, await deps.config.current());
    if (!admission.ok) return quarantine(record, admission.reason, admission.message, admission);

    const { event, encoded, bucket, arrivedAtMs } = admission;
    const put = await deps.events.putIfAbsent({ channelId: event.channelId, eventId: event.eventId, encoded, hour: bucket.hour, arrivedAtMs });
    if (put.kind === 'stored') {
      deps.metrics.addMetric('EventsAccepted', MetricUnit.Count, 1);
      return 'accepted';
    }
    if (put.encoded === encoded) {
      await deps.intake.duplicate({ messageId: record.messageId, eventId: event.eventId, channelId: event.channelId, atMs: arrivedAtMs });
      deps.metrics.addMetric('EventsDuplicate', MetricUnit.Count, 1);
      return 'duplicate';
    }
    return quarantine(record, 'conflicting_duplicate', `event ${event.eventId} was already accepted on channel ${event.channelId} with different content; the first one stays`, {
      eventId: event.eventId,
      channelId: event.channelId,
      arrivedAtMs,
    });
  };
}

export function makeHandler(deps: IngestDeps) {
  const handleRecord = makeIngestRecordHandler(deps);
  const processor = new BatchProcessor(EventType.SQS);
  return middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, handleRecord, processor, { context }),
  )
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics));
}
