import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type ConsoleReadDeps, makeConsoleReadModel } from '../../shared/app/console-read-model.ts';
import type { ConfigSource } from '../../shared/app/ports.ts';
import { HttpProblem, httpErrors, json, requireCaller, type RouteHandler, router } from '../http.ts';
import { CONSOLE_ROUTES, CONSOLE_STATIC_ROUTES } from '../routes.ts';
import { type ConsoleAsset, staticFiles } from './static-files.ts';

export interface ConsoleDeps extends ConsoleReadDeps {
  /**
   * The console's static files by path below `/console/` (`index.html`, `app.js`, …); on AWS the function serves
   * them itself (public: they hold no data). Absent where something else serves them (the local server).
   */
  readonly assets?: (file: string) => ConsoleAsset | undefined;
  /** The configuration with the budgets in force. */
  readonly config: ConfigSource;
  readonly readerRoles: readonly string[];
  readonly clock: () => number;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * The console function: its static files (public) and its read API (`GET /me`, `/overview`, `/alerts`; any reader
 * role). Routes in `functions/routes.ts`.
 */
export function makeHandler(deps: ConsoleDeps) {
  const readModel = makeConsoleReadModel(deps);
  const reader = (event: APIGatewayProxyEventV2) => {
    const caller = requireCaller(event);
    if (!caller.roles.some((r) => deps.readerRoles.includes(r)))
      throw new HttpProblem(403, 'forbidden', `the console needs one of the roles ${deps.readerRoles.join(', ')}`);
    return caller;
  };
  const files: RouteHandler = deps.assets
    ? staticFiles(deps.assets)
    : async () => json(404, { error: 'not_found', message: 'the console files are served elsewhere' });
  const routes = router([...CONSOLE_STATIC_ROUTES, ...CONSOLE_ROUTES], {
    'GET /console': files,
    'GET /console/{proxy+}': files,
    'GET /me': async (event) => json(200, reader(event)),
    'GET /overview': async (event) => {
      reader(event);
      return json(200, await readModel.overview(await deps.config.current(), deps.clock()));
    },
    'GET /alerts': async (event) => {
      reader(event);
      return json(200, await readModel.alerts(await deps.config.current()));
    },
  });
  return middy(routes).use(injectLambdaContext(deps.logger)).use(logMetrics(deps.metrics)).use(httpErrors());
}
