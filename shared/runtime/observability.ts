import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** The metrics namespace every function publishes to (dashboards and alarms read it). */
export const METRICS_NAMESPACE = 'ChannelSentinel';

/** Powertools logger and metrics for one function; service name and levels come from POWERTOOLS_* variables. */
export function observability(serviceName: string): { logger: Logger; metrics: Metrics } {
  const logger = new Logger({ serviceName });
  return { logger, metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName, logger }) };
}
