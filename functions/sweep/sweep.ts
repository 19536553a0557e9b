import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import type { Alerting } from '../../shared/app/alerting.ts';
import { formatMoney } from '../../shared/kernel/money.ts';
import type { ConfigSource } from '../../shared/app/ports.ts';

export interface SweepDeps {
  readonly alerting: Alerting;
  readonly config: ConfigSource;
  /** The sweep's notion of now: the schedule's time on AWS, the simulated clock in replay. */
  readonly clock: (event: ScheduledEvent) => number;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * The scheduled sweep (every 15 minutes): forecast pacing, stale feeds, resolutions when nothing arrives, period
 * ends and quiet periods; then every channel's outbox is drained, so nothing decided is left unpublished.
 */
export function makeHandler(deps: SweepDeps) {
  return middy(async (event: ScheduledEvent, _context: Context): Promise<{ published: number; left: number }> => {
    const config = await deps.config.current();
    const pacing = await deps.alerting.sweep(config, deps.clock(event));
    // Per-channel gauges for the dashboard's spend-vs-budget panel (major units; one metric set per channel).
    for (const p of pacing) {
      const gauge = deps.metrics.singleMetric();
      gauge.addDimension('channelId', p.channelId);
      gauge.addMetric('SpendToday', MetricUnit.NoUnit, Number(formatMoney(p.spendToday, p.currency)));
      gauge.addMetric('DailyBudget', MetricUnit.NoUnit, Number(formatMoney(p.dailyBudget, p.currency)));
    }
    const report = await deps.alerting.publish(config);
    deps.metrics.addMetric('AlertEventsPublished', MetricUnit.Count, report.published);
    if (report.invalid.length > 0) deps.logger.error('outbox entries violate their schema and were not published', { invalid: report.invalid });
    if (report.left > 0) deps.logger.warn('outbox entries still unpublished after retries', { left: report.left });
    return { published: report.published, left: report.left };
  })
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics));
}
