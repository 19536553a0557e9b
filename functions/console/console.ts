import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { AggregateReader } from '../../shared/adapters/aggregate-store.ts';
import type { AlertStore } from '../../shared/adapters/alert-store.ts';
import type { ConfigSource } from '../../shared/adapters/config-store.ts';
import { kpisOf, rollUpDays, type Totals, zeroTotals } from '../../shared/domain/aggregation.ts';
import { RULE_DEFAULTS } from '../../shared/domain/alerts/rules.ts';
import { formatMoney } from '../../shared/domain/money.ts';
import { addDays, bucketOf } from '../../shared/domain/time.ts';
import { callerOf } from '../finance/finance.ts';
import { json } from '../http.ts';

/** A static file of the web console. */
export interface ConsoleAsset {
  readonly body: string;
  readonly contentType: string;
}

export interface ConsoleDeps {
  /**
   * The console's static files by path below `/console/` (`index.html`, `app.js`, …); on AWS the function serves
   * them itself (public: they hold no data). Absent where something else serves them (the local server).
   */
  readonly assets?: (file: string) => ConsoleAsset | undefined;
  readonly aggregates: AggregateReader;
  readonly alerts: Pick<AlertStore, 'list'>;
  /** The configuration with the budgets in force. */
  readonly config: ConfigSource;
  readonly readerRoles: readonly string[];
  readonly clock: () => number;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** Days the console's sparklines cover. */
export const SERIES_DAYS = 14;

const round = (x: number | null, digits = 4) => (x === null ? null : Number(x.toFixed(digits)));

function kpiView(t: Totals, currency: string) {
  const k = kpisOf(t);
  return {
    gmv: formatMoney(t.gmv, currency),
    orders: Number(t.orders),
    aov: k.aov === null ? null : formatMoney(BigInt(Math.round(k.aov)), currency),
    conversion: round(k.conversionRate),
    visits: Number(t.visits),
    spend: formatMoney(t.spend, currency),
    roi: round(k.roi, 2),
    refunds: formatMoney(t.refunds, currency),
  };
}

/**
 * The console's read model (ops and finance): `GET /me`, `GET /overview` (per channel: today's KPIs, spend against
 * the daily budget in force, ROI against its floor, the last 14 days per KPI, firing alerts) and `GET /alerts`
 * (firing first, then resolved). Reads only; any reader role.
 */
export function makeHandler(deps: ConsoleDeps) {
  const route = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const staticPath = /^\/console(\/.*)?$/.exec(event.rawPath || '/');
    if (staticPath && deps.assets) {
      if (!staticPath[1]) return { statusCode: 308, headers: { location: '/console/' }, body: '' };
      const file = staticPath[1] === '/' ? 'index.html' : staticPath[1].slice(1);
      const asset = /^[\w./-]+$/.test(file) && !file.includes('..') ? deps.assets(file) : undefined;
      if (!asset) return json(404, { error: 'not_found', message: `no console file ${file}` });
      return { statusCode: 200, headers: { 'content-type': asset.contentType, 'cache-control': 'no-cache' }, body: asset.body };
    }
    const caller = callerOf(event);
    if (!caller) return json(401, { error: 'unauthenticated', message: 'no authenticated caller' });
    if (!caller.roles.some((r) => deps.readerRoles.includes(r))) return json(403, { error: 'forbidden', message: `the console needs one of the roles ${deps.readerRoles.join(', ')}` });
    if (event.requestContext.http.method.toUpperCase() !== 'GET') return json(405, { error: 'method_not_allowed', message: 'the console API is read-only' });
    const path = (event.rawPath || '/').replace(/\/+$/, '') || '/';
    if (path === '/me') return json(200, caller);
    const config = await deps.config.current();
    const nowMs = deps.clock();
    const today = bucketOf(nowMs, config.timezone).day;
    if (path === '/overview') {
      const from = addDays(today, -(SERIES_DAYS - 1));
      const channels = await Promise.all(
        config.channels.map(async (c) => {
          const [hours, alerts] = await Promise.all([deps.aggregates.hours(c.id, { fromHour: `${from}T00`, toHour: `${today}T23` }), deps.alerts.list(c.id)]);
          const days = rollUpDays(hours);
          const series = Array.from({ length: SERIES_DAYS }, (_, i) => addDays(from, i)).map((day) => ({ day, ...kpiView(days.get(day) ?? zeroTotals(), c.currency) }));
          return {
            id: c.id,
            name: c.name,
            kind: c.kind,
            currency: c.currency,
            today: kpiView(days.get(today) ?? zeroTotals(), c.currency),
            dailyBudget: formatMoney(c.budget.daily, c.currency),
            roiFloor: c.rules.roiFloor ?? RULE_DEFAULTS.roiFloor,
            firing: alerts.alerts.filter((a) => a.state.status === 'firing').length,
            series,
          };
        }),
      );
      return json(200, { now: new Date(nowMs).toISOString(), timezone: config.timezone, today, channels });
    }
    if (path === '/alerts') {
      const all = (await Promise.all(config.channels.map((c) => deps.alerts.list(c.id)))).flatMap((l) => l.alerts.map((a) => a.state));
      const view = (a: (typeof all)[number]) => ({
        alertId: a.alertId,
        rule: a.rule,
        severity: a.severity,
        status: a.status,
        ...a.subject,
        summary: a.summary,
        observed: a.observed,
        threshold: a.threshold,
        evidence: a.evidence,
        count: a.count,
        since: new Date(a.raisedAtMs).toISOString(),
        ...(a.resolvedAtMs === undefined ? {} : { resolvedAt: new Date(a.resolvedAtMs).toISOString(), reason: a.resolveReason ?? null }),
      });
      const firing = all.filter((a) => a.status === 'firing').sort((x, y) => (x.severity === y.severity ? y.raisedAtMs - x.raisedAtMs : x.severity === 'critical' ? -1 : 1));
      const resolved = all.filter((a) => a.status === 'resolved').sort((x, y) => (y.resolvedAtMs ?? 0) - (x.resolvedAtMs ?? 0));
      return json(200, { firing: firing.map(view), resolved: resolved.map(view) });
    }
    return json(404, { error: 'not_found', message: `no route GET ${path}` });
  };
  return middy(async (event: APIGatewayProxyEventV2, _context: Context) => route(event))
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics));
}
