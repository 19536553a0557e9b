import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { HEADERS, MAX_WEBHOOK_BYTES, PRODUCER_ID, WebhookBody } from '../../events/webhook.ts';
import { verifySignature } from '../../shared/security/signature.ts';
import { json, rawBody } from '../http.ts';
import type { EventPublisher, WebhookSecrets } from '../../shared/app/ports.ts';
import { inboundEntry, putAll } from '../../shared/app/publishing.ts';

export interface WebhookDeps {
  readonly secrets: WebhookSecrets;
  /** The event bus (PutEvents): the same rules then route the events to ingest as any other producer's. */
  readonly bus: EventPublisher;
  readonly clock: () => number;
  /**
   * When an event arrived: `now` on AWS (the bus stamps arrival). The local server replaying history
   * (`--clock events`) keeps the producer's `time` instead, as `sentinel replay` does.
   */
  readonly arrivalOf?: (producerTime: string | undefined, nowMs: number) => number;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * `POST /events`: producers' signed webhooks. Order of checks: size (413), producer and signature (401 — the
 * answer never says which secret or what was expected), body shape (400), then one PutEvents. Nothing reaches the
 * bus unless every check passed. The bus stamps arrival (`time`); the producer's `time`, if any, is ignored.
 */
export function makeHandler(deps: WebhookDeps) {
  const refuse = (statusCode: number, error: string, message: string, extra: Record<string, unknown> = {}) => {
    deps.metrics.addMetric('WebhookRefused', MetricUnit.Count, 1);
    deps.logger.warn('webhook refused', { statusCode, error, ...extra });
    return json(statusCode, { error, message });
  };
  return middy(async (event: APIGatewayProxyEventV2, _context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    const raw = rawBody(event);
    if (Buffer.byteLength(raw) > MAX_WEBHOOK_BYTES) return refuse(413, 'payload_too_large', `a request carries at most ${MAX_WEBHOOK_BYTES} bytes`);
    const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const producer = headers[HEADERS.producer];
    if (!producer || !PRODUCER_ID.test(producer)) return refuse(401, 'unauthenticated', `missing or malformed ${HEADERS.producer}`);
    const secrets = await deps.secrets.activeSecrets(producer);
    if (!secrets || secrets.length === 0) return refuse(401, 'unauthenticated', 'unknown producer or bad signature', { producer, reason: 'unknown_producer' });
    const verdict = verifySignature({ timestamp: headers[HEADERS.timestamp], signature: headers[HEADERS.signature], rawBody: raw }, secrets, deps.clock());
    if (!verdict.ok) {
      const message =
        verdict.reason === 'stale_timestamp'
          ? 'timestamp outside the 5-minute tolerance'
          : verdict.reason === 'missing_headers'
            ? `${HEADERS.timestamp} and ${HEADERS.signature} are required`
            : 'unknown producer or bad signature';
      return refuse(401, 'unauthenticated', message, { producer, reason: verdict.reason });
    }
    let document: unknown;
    try {
      document = JSON.parse(raw);
    } catch {
      return refuse(400, 'invalid_json', 'the body is not valid JSON');
    }
    const parsed = WebhookBody.safeParse(document);
    if (!parsed.success) return refuse(400, 'invalid_body', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const events = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
    const nowMs = deps.clock();
    const arrival = deps.arrivalOf ?? ((_time: string | undefined, now: number) => now);
    const failed = await putAll(
      deps.bus,
      events.map((e) => inboundEntry(e, arrival(e.time, nowMs))),
    );
    deps.metrics.addMetric('WebhookEventsAccepted', MetricUnit.Count, events.length - failed.length);
    if (failed.length > 0) {
      deps.logger.error('bus refused webhook events after retries', { producer, failed });
      // Some may have been put: the producer resends the request and ingest drops the repeats by (channel, eventId).
      return json(502, {
        error: 'bus_unavailable',
        message: 'some events could not be put on the bus; resend the request (repeats are dropped)',
        failed,
      });
    }
    return json(202, { accepted: events.length });
  })
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics));
}
