import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import type { ConfigSource } from '../../shared/app/ports.ts';
import type { CloseReport, Reviewing } from '../../shared/app/reviewing.ts';

export interface ReviewDeps {
  readonly reviewing: Reviewing;
  /** The configuration with the budgets in force: the plan each period is judged against. */
  readonly config: ConfigSource;
  /** The schedule's time on AWS (so a retry reviews the same closed day), the simulated clock in replay. */
  readonly clock: (event: ScheduledEvent) => number;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export interface ReviewReport {
  readonly closedDay: string;
  readonly reviews: string[];
  readonly published: number;
}

/**
 * The review job, scheduled after each business day closes: the reviews of the periods that day closes (day; week on
 * Sunday; month on its last day), stored and published once; then the reviews outbox drained.
 */
export function makeHandler(deps: ReviewDeps) {
  return middy(async (event: ScheduledEvent, _context: Context): Promise<ReviewReport> => {
    const config = await deps.config.current();
    const report: CloseReport = await deps.reviewing.closeDay(config, deps.clock(event));
    for (const r of report.published) deps.logger.info('review published', { reviewId: r.reviewId, summary: r.summary });
    deps.metrics.addMetric('ReviewsMade', MetricUnit.Count, report.published.length);
    const published = await deps.reviewing.publish();
    if (published.invalid.length > 0) deps.logger.error('review outbox entries violate their schema and were not published', { invalid: published.invalid });
    if (published.left > 0) deps.logger.warn('review events still unpublished after retries', { left: published.left });
    return { closedDay: report.closedDay, reviews: report.published.map((r) => r.reviewId), published: published.published };
  })
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics));
}
