/**
 * `sentinel alerts list|ack`: ops' view of the alerts against a local database (a `--data` directory written by
 * `sentinel replay --data` or the local server), through the console handler the stack deploys — the same list (firing
 * first, by money at risk) and the same acknowledgement (recorded, announced once, 409 once resolved).
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { makeHandler as makeConsoleHandler } from '../functions/console/console.ts';
import { localContext } from '../local/lambda-context.ts';
import { READER_ROLES } from '../local/pipeline.ts';
import { acknowledgingOf, budgetedConfigOf, silencingOf } from '../shared/runtime/compose.ts';
import { bucketOf, parseInstant } from '../shared/kernel/time.ts';
import type { ReviewPublishedDetail } from '../events/outbound.ts';
import { businessDay } from '../events/fields.ts';
import { LOCALES, type Locale } from '../shared/domain/config.ts';
import { REVIEW_PERIODS, type ReviewPeriod, spanOf } from '../shared/domain/reviews/review.ts';
import { reviewText } from '../shared/domain/reviews/text.ts';
import { answer, DEFAULT_DATA_DIR, ReviewRefused, withDatabase } from './finance-commands.ts';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

interface AlertView {
  alertId: string;
  rule: string;
  severity: string;
  status: string;
  channelId: string;
  summary: string;
  since: string;
  impact?: { amount: string; currency: string };
  acknowledged?: { by: string; note?: string };
}

/** The deployed console handler on a local database, called as one caller at one time: `(method, path, body?) → body`. */
function consoleOn(pipeline: Parameters<Parameters<typeof withDatabase>[1]>[0], caller: { principal: string; roles: string[] }, at: number) {
  const logger = new Logger({ serviceName: 'sentinel-cli', logLevel: 'ERROR' });
  const handler = makeConsoleHandler({
    aggregates: pipeline.aggregates,
    alerts: pipeline.alerts,
    acknowledging: acknowledgingOf(pipeline.wiring),
    silencing: silencingOf(pipeline.wiring),
    intake: pipeline.intake,
    reviewing: pipeline.reviewing,
    config: budgetedConfigOf({ ...pipeline.wiring, cacheMs: 0 }),
    readerRoles: [...READER_ROLES],
    clock: () => at,
    logger,
    metrics: new Metrics({ namespace: 'ChannelSentinel', serviceName: 'sentinel-cli', logger }),
  });
  return async (method: string, path: string, body?: unknown) =>
    answer(
      await handler(
        {
          version: '2.0',
          rawPath: path,
          headers: {},
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          requestContext: { http: { method, path }, authorizer: { lambda: { principal: caller.principal, roles: caller.roles } } },
        } as unknown as APIGatewayProxyEventV2,
        localContext('console'),
      ),
    );
}

interface SilenceView {
  id: string;
  rule: string;
  channelId: string;
  storeId?: string;
  sku?: string;
  region?: string;
  from: string;
  to: string;
  state: string;
  createdBy: string;
  comment: string;
}

/** `sentinel silences list|add|expire`: silences as data, through the console handler. */
export async function silencesCommand(args: string[], write: (text: string) => void): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      data: { type: 'string' },
      rule: { type: 'string' },
      channel: { type: 'string' },
      store: { type: 'string' },
      sku: { type: 'string' },
      region: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      comment: { type: 'string' },
      by: { type: 'string' },
      at: { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: true,
  });
  const [action, id] = positionals;
  if (action !== 'list' && action !== 'add' && action !== 'expire')
    throw new ReviewRefused('silences needs "list", "add --rule … --channel … --to … --comment …" or "expire ID"', 2);
  if (action === 'expire' && !id) throw new ReviewRefused('silences expire needs a silence id', 2);
  const at = values.at === undefined ? Date.now() : parseInstant(values.at);
  if (at === null) throw new ReviewRefused(`--at must be an ISO 8601 time with an offset, got "${values.at}"`, 2);
  const caller = { principal: values.by ?? userInfo().username, roles: [...READER_ROLES] };
  await withDatabase(values.data ?? DEFAULT_DATA_DIR, async (pipeline) => {
    const call = consoleOn(pipeline, caller, at);
    const line = (s: SilenceView) =>
      `  ${s.id}  ${s.state.padEnd(7)}  ${s.rule} on ${s.channelId}${[s.storeId, s.sku, s.region].filter(Boolean).length ? ` (${[s.storeId, s.sku, s.region].filter(Boolean).join(' · ')})` : ''}  ${s.from} → ${s.to}  by ${s.createdBy}: ${s.comment}`;
    if (action === 'list') {
      const body = await call('GET', '/silences');
      const list = body.silences as SilenceView[];
      return write(values.json ? `${JSON.stringify(body, null, 2)}\n` : `${list.length} silence(s)\n${list.map(line).join('\n')}${list.length ? '\n' : ''}`);
    }
    if (action === 'expire') {
      const body = (await call('POST', `/silences/${encodeURIComponent(id as string)}/expire`, {})) as unknown as SilenceView;
      return write(values.json ? `${JSON.stringify(body, null, 2)}\n` : `ended:\n${line(body)}\n`);
    }
    const request = {
      rule: values.rule,
      channelId: values.channel,
      comment: values.comment,
      to: values.to,
      ...(values.from ? { from: values.from } : {}),
      ...(values.store ? { storeId: values.store } : {}),
      ...(values.sku ? { sku: values.sku } : {}),
      ...(values.region ? { region: values.region } : {}),
    };
    const body = (await call('POST', '/silences', request)) as unknown as SilenceView;
    write(values.json ? `${JSON.stringify(body, null, 2)}\n` : `created:\n${line(body)}\n`);
  });
}

export async function alertsCommand(args: string[], write: (text: string) => void): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { data: { type: 'string' }, note: { type: 'string' }, by: { type: 'string' }, at: { type: 'string' }, json: { type: 'boolean' } },
    strict: true,
    allowPositionals: true,
  });
  const [action, id] = positionals;
  if (action !== 'list' && action !== 'ack') throw new ReviewRefused('alerts needs "list" or "ack ALERT_ID"', 2);
  if (action === 'ack' && !id) throw new ReviewRefused('alerts ack needs an alert id', 2);
  const at = values.at === undefined ? Date.now() : parseInstant(values.at);
  if (at === null) throw new ReviewRefused(`--at must be an ISO 8601 time with an offset, got "${values.at}"`, 2);
  const caller = { principal: values.by ?? userInfo().username, roles: [...READER_ROLES] };
  await withDatabase(values.data ?? DEFAULT_DATA_DIR, async (pipeline) => {
    const call = consoleOn(pipeline, caller, at);
    if (action === 'list') {
      const body = await call('GET', '/alerts');
      const firing = body.firing as AlertView[];
      const resolved = body.resolved as AlertView[];
      if (values.json) return write(`${JSON.stringify(body, null, 2)}\n`);
      const line = (a: AlertView) =>
        `  ${a.alertId}  ${a.status === 'firing' ? a.severity.padEnd(8) : 'resolved'}  ${a.rule.padEnd(19)} ${a.channelId.padEnd(14)} ${a.impact ? `${a.impact.amount} ${a.impact.currency} at risk  ` : ''}${a.summary}${a.acknowledged ? `  [ack ${a.acknowledged.by}${a.acknowledged.note ? `: ${a.acknowledged.note}` : ''}]` : ''}`;
      write(`${firing.length} firing (most money at risk first)\n${firing.map(line).join('\n')}${firing.length ? '\n' : ''}`);
      write(`${resolved.length} resolved\n${resolved.slice(0, 20).map(line).join('\n')}${resolved.length ? '\n' : ''}`);
      return;
    }
    const body = await call('POST', `/alerts/${encodeURIComponent(id as string)}/acknowledge`, values.note ? { note: values.note } : {});
    write(
      values.json
        ? `${JSON.stringify(body, null, 2)}\n`
        : `${String(body.outcome)}: ${id} by ${String(body.acknowledgedBy)} at ${String(body.acknowledgedAt)}\n`,
    );
  });
}

/**
 * `sentinel report --period day|week|month [--at DAY] [--locale en|zh-CN] [--json]`: a review from a local database,
 * through the console handler — the kept one (latest revision) when its period was reviewed, else built to date from
 * the aggregates. `--at` names any business day of the period (default: the period of the newest review kept, or
 * yesterday's); `--locale` overrides the configuration's.
 */
export async function reportCommand(args: string[], write: (text: string) => void): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { data: { type: 'string' }, period: { type: 'string' }, at: { type: 'string' }, locale: { type: 'string' }, json: { type: 'boolean' } },
    strict: true,
    allowPositionals: false,
  });
  const period = values.period ?? 'day';
  if (!(REVIEW_PERIODS as readonly string[]).includes(period)) throw new ReviewRefused(`--period must be day, week or month, got "${period}"`, 2);
  if (values.at !== undefined && !businessDay.safeParse(values.at.slice(0, 10)).success)
    throw new ReviewRefused(`--at must be a business day YYYY-MM-DD (or a time from which its day is taken), got "${values.at}"`, 2);
  if (values.locale !== undefined && !(LOCALES as readonly string[]).includes(values.locale))
    throw new ReviewRefused(`--locale must be ${LOCALES.join(' or ')}, got "${values.locale}"`, 2);
  await withDatabase(values.data ?? DEFAULT_DATA_DIR, async (pipeline) => {
    const call = consoleOn(pipeline, { principal: userInfo().username, roles: [...READER_ROLES] }, Date.now());
    const listing = (await call('GET', '/reviews')) as { locale: Locale; timezone: string; reviews: { reviewId: string; period: string; from: string }[] };
    const newest = listing.reviews.find((r) => r.period === period);
    const day = values.at?.slice(0, 10) ?? newest?.from ?? bucketOf(Date.now() - 86_400_000, listing.timezone).day;
    const review = (await call('GET', `/reviews/rev-${period}-${spanOf(period as ReviewPeriod, day).from}`)) as unknown as ReviewPublishedDetail;
    write(values.json ? `${JSON.stringify(review, null, 2)}\n` : reviewText(review, (values.locale as Locale | undefined) ?? listing.locale));
  });
}
