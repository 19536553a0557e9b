import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import type { AdReportClient, ConfigSource, EventPublisher } from '../../shared/app/ports.ts';
import { type PullPlatform, type PullReport, pullReports } from '../../shared/app/pulling.ts';

export interface PullDeps {
  /** A client per platform with credentials; a platform without one is reported for each account it maps. */
  readonly clients: () => Promise<Partial<Record<PullPlatform, AdReportClient>>>;
  readonly config: ConfigSource;
  readonly bus: EventPublisher;
  /** The schedule's time (a retry pulls as the run it repeats would have). */
  readonly clock: (event: ScheduledEvent) => number;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** The schedule's input: `detail.days`, the account days to pull (default: the configured restatement window). */
type PullEvent = ScheduledEvent<{ days?: number }>;

/**
 * The scheduled pull of the ad platforms' reports: hourly for today and yesterday (intraday pacing sees spend as it
 * grows), daily over the whole restatement window (restated days arrive). Every mapped account is pulled; any that
 * failed fails the invocation once all were tried, so the error alarm sees it and the scheduler retries (a retry's
 * reports are simply newer reports).
 */
export function makeHandler(deps: PullDeps) {
  return middy(async (event: PullEvent, _context: Context): Promise<PullReport> => {
    const config = await deps.config.current();
    const days = Number.isInteger(event.detail?.days) && (event.detail?.days ?? 0) > 0 ? (event.detail.days as number) : config.reportRestatementDays;
    const report = await pullReports({ clients: await deps.clients(), bus: deps.bus }, config, deps.clock(event), { days });
    for (const a of report.accounts) {
      if (a.refused.length > 0) deps.logger.warn('report rows not mapped', { platform: a.platform, account: a.account, refused: a.refused.slice(0, 20) });
      if (a.error) deps.logger.error('pull failed', { platform: a.platform, account: a.account, since: a.since, until: a.until, error: a.error });
      else deps.logger.info('pulled', { platform: a.platform, account: a.account, since: a.since, until: a.until, pages: a.pages, reports: a.reports });
    }
    const failed = report.accounts.filter((a) => a.error);
    deps.metrics.addMetric(
      'ReportsPulled',
      MetricUnit.Count,
      report.accounts.reduce((n, a) => n + a.reports, 0),
    );
    deps.metrics.addMetric('PullsFailed', MetricUnit.Count, failed.length);
    if (failed.length > 0) throw new Error(`pull failed for ${failed.map((a) => `${a.platform} ${a.account}: ${a.error}`).join('; ')}`);
    return report;
  })
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics));
}
