import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import type { Budgeting, ProposeReport } from '../../shared/app/budgeting.ts';
import type { ConfigSource } from '../../shared/app/ports.ts';

export interface ProposeDeps {
  readonly budgeting: Budgeting;
  /** The configuration as stored (the plan); budgeting overlays the approved budgets itself. */
  readonly config: ConfigSource;
  /** The schedule's time on AWS (so a retry judges the same closed day), the simulated clock in replay. */
  readonly clock: (event: ScheduledEvent) => number;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * The daily reallocation job, scheduled just after midnight in the business timezone: reviews approved proposals
 * that have been in force long enough, proposes from the day that closed, expires what is outdated, and drains the
 * budgets outbox (decisions included, should a review's own drain
 * have failed).
 */
export function makeHandler(deps: ProposeDeps) {
  return middy(async (event: ScheduledEvent, _context: Context): Promise<ProposeReport & { published: number }> => {
    const config = await deps.config.current();
    const report = await deps.budgeting.propose(config, deps.clock(event));
    for (const p of report.proposed) deps.logger.info('budget reallocation proposed', { proposalId: p.id, summary: p.detail.summary });
    for (const s of report.skipped) deps.logger.info('no reallocation proposed', { closedDay: report.closedDay, ...s });
    for (const r of report.reviewed)
      deps.logger.info('budget reallocation reviewed', { proposalId: r.proposalId, withinRange: r.withinRange, summary: r.summary });
    deps.metrics.addMetric('ProposalsMade', MetricUnit.Count, report.proposed.length);
    deps.metrics.addMetric('ProposalsExpired', MetricUnit.Count, report.expired.length);
    deps.metrics.addMetric('ProposalsReviewed', MetricUnit.Count, report.reviewed.length);
    const published = await deps.budgeting.publish();
    if (published.invalid.length > 0) deps.logger.error('budget outbox entries violate their schema and were not published', { invalid: published.invalid });
    if (published.left > 0) deps.logger.warn('budget events still unpublished after retries', { left: published.left });
    return { ...report, published: published.published };
  })
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics));
}
