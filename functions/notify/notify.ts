import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { alertMessage } from '../../shared/app/alert-message.ts';
import type { ChatTarget } from '../../shared/adapters/chat.ts';
import type { Locale } from '../../shared/domain/config.ts';

/** What an ops topic message carries: the text, and attributes subscriptions filter on. */
export interface TopicMessage {
  readonly subject: string;
  readonly text: string;
  readonly attributes: { readonly rule: string; readonly severity: string; readonly channelId: string; readonly detailType: string };
}

export interface NotifyDeps {
  /** Publishes to the ops topic (SNS). */
  readonly publish: (message: TopicMessage) => Promise<void>;
  /** The chat targets in force (from Secrets Manager, cached). */
  readonly targets: () => Promise<readonly ChatTarget[]>;
  readonly deliver: (target: ChatTarget, message: NonNullable<ReturnType<typeof alertMessage>>, event: unknown) => Promise<string | undefined>;
  readonly consoleUrl?: string;
  /** The configured language of the messages (a review's digest speaks its own). */
  readonly locale?: () => Promise<Locale>;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * The notifier: each alert event on the bus (Raised, Escalated, Acknowledged, Resolved, reminders) and each published
 * review (its digest) goes to the ops topic with message attributes (rule, severity, channelId, detailType) so
 * subscriptions can filter, and to every configured chat bot. The topic is the delivery of record: its failure fails the invocation (EventBridge retries, then
 * the dead-letter queue); a chat that refuses is logged and counted, never retried into a storm.
 */
export function makeHandler(deps: NotifyDeps) {
  return middy(async (event: EventBridgeEvent<string, Record<string, unknown>>, _context: Context): Promise<{ chats: number; refused: number }> => {
    const delivered = { 'detail-type': event['detail-type'], detail: event.detail, source: event.source, time: event.time };
    const message = alertMessage(delivered, deps.consoleUrl, (await deps.locale?.()) ?? 'en');
    if (!message) return { chats: 0, refused: 0 };
    const d = event.detail;
    await deps.publish({
      subject: message.title.slice(0, 100),
      text: [message.title, '', ...message.lines, ...(message.link ? ['', message.link] : [])].join('\n'),
      attributes: {
        rule: String(d.rule ?? ''),
        severity: String(d.severity ?? 'none'),
        channelId: String(d.channelId ?? ''),
        detailType: event['detail-type'],
      },
    });
    const targets = await deps.targets();
    const refusals = await Promise.all(targets.map((t) => deps.deliver(t, message, delivered)));
    const refused = refusals.filter((r) => r !== undefined).length;
    refusals.forEach((reason, i) => {
      if (reason) deps.logger.warn('chat delivery refused', { kind: targets[i]?.kind, host: new URL(targets[i]?.url ?? 'http://unknown').host, reason });
    });
    deps.metrics.addMetric('ChatMessagesDelivered', MetricUnit.Count, targets.length - refused);
    if (refused > 0) deps.metrics.addMetric('ChatMessagesRefused', MetricUnit.Count, refused);
    return { chats: targets.length, refused };
  })
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics));
}
