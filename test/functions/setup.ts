import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { routeLogsToStderr } from '../../local/quiet-logging.ts';

routeLogsToStderr('CRITICAL');

export function quietObservability() {
  const logger = new Logger({ serviceName: 'test', logLevel: 'CRITICAL' });
  return { logger, metrics: new Metrics({ namespace: 'Test', serviceName: 'test', logger }) };
}
