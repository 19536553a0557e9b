import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type ConsoleReadDeps, makeConsoleReadModel } from '../../shared/app/console-read-model.ts';
import { dataQuality, MAX_DATA_QUALITY_DAYS } from '../../shared/app/data-quality.ts';
import type { ConfigSource, IntakeReader } from '../../shared/app/ports.ts';
import type { Acknowledging } from '../../shared/app/acknowledging.ts';
import { type Silencing, silenceView } from '../../shared/app/silencing.ts';
import type { Reviewing } from '../../shared/app/reviewing.ts';
import { REVIEW_PERIODS, type ReviewPeriod } from '../../shared/domain/reviews/review.ts';
import { reviewSummary } from '../../shared/domain/reviews/text.ts';
import { businessDay } from '../../events/fields.ts';
import { LOCALES, type Locale } from '../../shared/domain/config.ts';
import { HttpProblem, httpErrors, json, pathParameter, requireCaller, type RouteHandler, router } from '../http.ts';
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
  /** Acknowledging alerts (any reader role: ops, or finance). */
  readonly acknowledging: Acknowledging;
  /** Silences as data (any reader role). */
  readonly silencing: Silencing;
  /** What arrived and did not become an event (the data-quality page). */
  readonly intake: Pick<IntakeReader, 'arrivedBetween'>;
  /** The reviews kept, and any period's review built to date. */
  readonly reviewing: Pick<Reviewing, 'list' | 'report'>;
  readonly readerRoles: readonly string[];
  readonly clock: () => number;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * The console function: its static files (public), its read API (`GET /me`, `/overview`, `/alerts`, `/data-quality`,
 * `/reviews`, `/reviews/{reviewId}`; any reader role) and `POST /alerts/{alertId}/acknowledge` (ops or finance; body `{"note"?, "channelId"?}`): 200 with the alert
 * when acknowledged, or when it already was (harmless); 404 for an unknown alert; 409 for one no longer firing.
 * Routes in `functions/routes.ts`.
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
  const bodyOf = (event: APIGatewayProxyEventV2): Record<string, unknown> => {
    if (!event.body) return {};
    try {
      const parsed: unknown = JSON.parse(event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      return parsed as Record<string, unknown>;
    } catch {
      throw new HttpProblem(400, 'invalid_body', 'the body must be a JSON object');
    }
  };
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
    'GET /alerts/{alertId}': async (event) => {
      reader(event);
      const alertId = pathParameter(event, 'alertId');
      const found = await readModel.alert(await deps.config.current(), alertId, deps.clock());
      if (!found) throw new HttpProblem(404, 'not_found', `no alert ${alertId}`);
      return json(200, found);
    },
    'GET /data-quality': async (event) => {
      reader(event);
      const text = event.queryStringParameters?.days ?? '7';
      const days = Number(text);
      if (!/^\d+$/.test(text) || days < 1 || days > MAX_DATA_QUALITY_DAYS)
        throw new HttpProblem(400, 'invalid_query', `days must be a whole number from 1 to ${MAX_DATA_QUALITY_DAYS}`);
      return json(200, await dataQuality(deps.intake, deps.clock(), days));
    },
    'GET /reviews': async (event) => {
      reader(event);
      const config = await deps.config.current();
      return json(200, { locale: config.locale, timezone: config.timezone, reviews: await deps.reviewing.list() });
    },
    'GET /reviews/{reviewId}': async (event) => {
      reader(event);
      const reviewId = pathParameter(event, 'reviewId');
      const match = /^rev-(day|week|month)-(\d{4}-\d{2}-\d{2})$/.exec(reviewId);
      if (!match || !businessDay.safeParse(match[2]).success)
        throw new HttpProblem(404, 'not_found', `no review ${reviewId} (ids look like rev-week-2025-11-03: the period and its first day)`);
      if (!(REVIEW_PERIODS as readonly string[]).includes(match[1] as string)) throw new HttpProblem(404, 'not_found', `no review ${reviewId}`);
      const locale = event.queryStringParameters?.locale;
      if (locale !== undefined && !(LOCALES as readonly string[]).includes(locale))
        throw new HttpProblem(400, 'invalid_query', `locale must be ${LOCALES.join(' or ')}`);
      try {
        // Kept (the latest revision) if its period closed and was reviewed; otherwise built now, to date.
        const review = await deps.reviewing.report(await deps.config.current(), match[1] as ReviewPeriod, match[2] as string, deps.clock());
        // The one sentence in the reader's language (the figures are the same in every language).
        return json(200, locale === undefined || locale === review.locale ? review : { ...review, locale, summary: reviewSummary(review, locale as Locale) });
      } catch (error) {
        if (error instanceof RangeError) throw new HttpProblem(404, 'not_found', error.message);
        throw error;
      }
    },
    'GET /silences': async (event) => {
      reader(event);
      const now = deps.clock();
      return json(200, { silences: (await deps.silencing.list()).map((s) => silenceView(s, now)) });
    },
    'POST /silences': async (event) => {
      const caller = reader(event);
      const now = deps.clock();
      const result = await deps.silencing.create(await deps.config.current(), bodyOf(event), caller.principal, now);
      if (!result.ok) return json(400, { error: 'invalid_silence', message: result.problems.join('; '), problems: result.problems });
      return json(201, silenceView(result.silence, now));
    },
    'POST /silences/{silenceId}/expire': async (event) => {
      reader(event);
      const id = pathParameter(event, 'silenceId');
      const now = deps.clock();
      const ended = await deps.silencing.expire(id, now);
      if (!ended) throw new HttpProblem(404, 'not_found', `no silence ${id}`);
      return json(200, silenceView(ended, now));
    },
    'POST /alerts/{alertId}/acknowledge': async (event) => {
      const caller = reader(event);
      const alertId = pathParameter(event, 'alertId');
      let body: Record<string, unknown> = {};
      if (event.body) {
        try {
          const parsed: unknown = JSON.parse(event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body);
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
          body = parsed as Record<string, unknown>;
        } catch {
          throw new HttpProblem(400, 'invalid_body', 'the body must be a JSON object: {"note"?: string, "channelId"?: string}');
        }
      }
      const note = body.note;
      const channelId = body.channelId;
      if ((note !== undefined && (typeof note !== 'string' || note.length > 2000)) || (channelId !== undefined && typeof channelId !== 'string'))
        throw new HttpProblem(400, 'invalid_body', 'note must be a string of at most 2,000 characters; channelId a string');
      const result = await deps.acknowledging(
        await deps.config.current(),
        { alertId, by: caller.principal, ...(note ? { note } : {}), ...(channelId ? { channelId } : {}) },
        deps.clock(),
      );
      if (result.outcome === 'not_found') throw new HttpProblem(404, 'not_found', `no alert ${alertId}`);
      if (result.outcome === 'not_firing') throw new HttpProblem(409, 'not_firing', `alert ${alertId} is resolved: there is nothing to acknowledge`);
      const a = result.alert.acknowledged;
      return json(200, {
        outcome: result.outcome,
        alertId,
        acknowledgedBy: a?.by,
        acknowledgedAt: a ? new Date(a.atMs).toISOString() : undefined,
        ...(a?.note ? { note: a.note } : {}),
      });
    },
  });
  return middy(routes).use(injectLambdaContext(deps.logger)).use(logMetrics(deps.metrics)).use(httpErrors());
}
