/**
 * Ingesting, the use case: one delivered message becomes an accepted event stored once, a duplicate, or a quarantine
 * entry with its reason and payload. Nothing about the message is thrown: only storage errors fail it (and then only
 * it), for the queue to redeliver.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { type Accepted, type Admission, admit, type RejectionReason } from '../domain/admission.ts';
import { decodeEvent, sameReport } from '../domain/inbound-event.ts';
import { AD_SPEND_REPORTED, type AdSpendReported } from '../../events/normalised.ts';
import { retainUntilMs, type SentinelConfig } from '../domain/config.ts';
import type { ConfigSource, EventStore, IntakeLog } from './ports.ts';

export interface IngestingDeps {
  readonly config: ConfigSource;
  readonly events: EventStore;
  readonly intake: IntakeLog;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** How a body is admitted: {@link admit} unless the caller decided it ahead (replay's `AdmissionsAhead`). */
  readonly admit?: (body: string, config: SentinelConfig) => Admission;
}

/** A delivery: the queue's message id (redeliveries share it), the body as sent, and when the queue took it. */
export interface Delivery {
  readonly messageId: string;
  readonly body: string;
  readonly sentAtMs: number;
}

/** `superseded`: a report accepted with an older `asOf` than its campaign-day's report in force (it changes nothing). */
export type IngestOutcome = 'accepted' | 'superseded' | 'duplicate' | 'quarantined';

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

  const duplicate = async (config: SentinelConfig, delivery: Delivery, admission: Accepted): Promise<'duplicate'> => {
    const { event, arrivedAtMs } = admission;
    await deps.intake.duplicate({
      messageId: delivery.messageId,
      eventId: event.eventId,
      channelId: event.channelId,
      atMs: arrivedAtMs,
      retainUntilMs: retainUntilMs(config, 'logs', arrivedAtMs),
    });
    deps.metrics.addMetric('EventsDuplicate', MetricUnit.Count, 1);
    return 'duplicate';
  };

  const conflicting = (config: SentinelConfig, delivery: Delivery, admission: Accepted, message: string) =>
    quarantine(config, delivery, 'conflicting_duplicate', message, {
      eventId: admission.event.eventId,
      channelId: admission.event.channelId,
      arrivedAtMs: admission.arrivedAtMs,
    });

  /** The same eventId already stored: a redelivery when the content is equal, a conflict otherwise (the first stays). */
  const alreadyStored = (config: SentinelConfig, delivery: Delivery, admission: Accepted, stored: string) =>
    stored === admission.encoded
      ? duplicate(config, delivery, admission)
      : conflicting(
          config,
          delivery,
          admission,
          `event ${admission.event.eventId} was already accepted on channel ${admission.event.channelId} with different content; the first one stays`,
        );

  /**
   * A restated report: in force if it is the newest of its campaign-day, superseded (accepted, no effect) if an
   * older one, a duplicate if the report in force says the same as of the same instant, and a conflict if it says
   * something else as of that instant.
   */
  const ingestReport = async (config: SentinelConfig, delivery: Delivery, admission: Accepted, report: AdSpendReported): Promise<IngestOutcome> => {
    const stored = {
      channelId: report.channelId,
      eventId: report.eventId,
      encoded: admission.encoded,
      hour: admission.bucket.hour,
      arrivedAtMs: admission.arrivedAtMs,
      retainUntilMs: retainUntilMs(config, 'events', admission.arrivedAtMs),
    };
    const put = await deps.events.putReport({ ...stored, campaignId: report.campaignId, date: report.date, asOfMs: report.occurredAtMs });
    if (put.kind === 'in_force') {
      deps.metrics.addMetric('EventsAccepted', MetricUnit.Count, 1);
      return 'accepted';
    }
    if (put.kind === 'exists') return alreadyStored(config, delivery, admission, put.encoded);
    const inForce = decodeEvent(put.encoded) as AdSpendReported;
    if (inForce.occurredAtMs === report.occurredAtMs) {
      if (sameReport(inForce, report)) return duplicate(config, delivery, admission);
      return conflicting(
        config,
        delivery,
        admission,
        `report ${report.eventId} restates ${report.channelId}/${report.campaignId} on ${report.date} as of ${report.occurredAt} with other figures than report ${inForce.eventId} as of the same instant; the first one stays`,
      );
    }
    // An older report: counted as superseded (keyed by the event, so a redelivery cannot count it twice — logged
    // first, so a crash before the id is stored cannot lose the count), then its id stored, so a redelivery is a duplicate.
    await deps.intake.superseded({
      messageId: delivery.messageId,
      eventId: report.eventId,
      channelId: report.channelId,
      atMs: admission.arrivedAtMs,
      retainUntilMs: retainUntilMs(config, 'logs', admission.arrivedAtMs),
    });
    const marked = await deps.events.putIfAbsent(stored);
    if (marked.kind === 'exists') return alreadyStored(config, delivery, admission, marked.encoded);
    deps.metrics.addMetric('EventsAccepted', MetricUnit.Count, 1);
    deps.metrics.addMetric('ReportsSuperseded', MetricUnit.Count, 1);
    return 'superseded';
  };

  // Reports of one campaign-day are decided in the order their deliveries reach this function (a batch's order,
  // the file's order in a replay): whether a report is superseded depends on which came first, so two of them in one
  // batch must not race. Everything else runs concurrently. Callers start deliveries in order (Powertools' batch
  // processor calls the handler for each record in turn before awaiting any), and the chain is joined synchronously.
  const tails = new Map<string, Promise<unknown>>();
  const inOrder = <T>(key: string | undefined, work: () => Promise<T>): Promise<T> => {
    if (key === undefined) return work();
    const run = (tails.get(key) ?? Promise.resolve()).then(work, work);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };

  const ingest = async (delivery: Delivery): Promise<IngestOutcome> => {
    const config = await deps.config.current();
    const admission = (deps.admit ?? admit)(delivery.body, config);
    if (!admission.ok) return quarantine(config, delivery, admission.reason, admission.message, admission);
    const { event, encoded, bucket, arrivedAtMs } = admission;
    if (event.type === AD_SPEND_REPORTED) return ingestReport(config, delivery, admission, event);
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
    return alreadyStored(config, delivery, admission, put.encoded);
  };

  return (delivery: Delivery): Promise<IngestOutcome> => inOrder(reportSlotOf(delivery.body), () => ingest(delivery));
}

/** The campaign-day a delivery reports on, if it is an `Ad Spend Reported` (a cheap look, before admission). */
function reportSlotOf(body: string): string | undefined {
  if (!body.includes(AD_SPEND_REPORTED)) return undefined;
  try {
    const detail = (JSON.parse(body) as { detail?: Record<string, unknown> }).detail;
    return JSON.stringify([detail?.channelId, detail?.campaignId, detail?.date]);
  } catch {
    return undefined;
  }
}
