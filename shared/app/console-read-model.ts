/**
 * The console's read model (ops and finance): per channel today's KPIs, spend against the daily budget in force,
 * ROI against its floor and the last {@link SERIES_DAYS} days; the alert list, firing first. Reads only.
 */
import { kpisOf, rollUpDays, type Totals, zeroTotals } from '../domain/aggregation.ts';
import type { AlertState } from '../domain/alerts/alert.ts';
import { RULE_DEFAULTS } from '../domain/alerts/rules.ts';
import type { SentinelConfig } from '../domain/config.ts';
import { formatMoney } from '../kernel/money.ts';
import { addDays, bucketOf } from '../kernel/time.ts';
import type { AggregateReader, AlertStore } from './ports.ts';

/** Days the console's sparklines cover. */
export const SERIES_DAYS = 14;

export interface ConsoleReadDeps {
  readonly aggregates: AggregateReader;
  readonly alerts: Pick<AlertStore, 'list'>;
}

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

function alertView(a: AlertState) {
  return {
    alertId: a.alertId,
    rule: a.rule,
    severity: a.severity,
    status: a.status,
    ...a.subject,
    summary: a.summary,
    observed: a.observed,
    threshold: a.threshold,
    evidence: a.evidence,
    ...(a.impact ? { impact: a.impact } : {}),
    ...(a.acknowledged
      ? {
          acknowledged: {
            by: a.acknowledged.by,
            at: new Date(a.acknowledged.atMs).toISOString(),
            ...(a.acknowledged.note ? { note: a.acknowledged.note } : {}),
          },
        }
      : {}),
    count: a.count,
    since: new Date(a.raisedAtMs).toISOString(),
    ...(a.resolvedAtMs === undefined ? {} : { resolvedAt: new Date(a.resolvedAtMs).toISOString(), reason: a.resolveReason ?? null }),
  };
}

export function makeConsoleReadModel(deps: ConsoleReadDeps) {
  return {
    /** Every channel at `nowMs`: today's KPIs, budget and ROI floor, firing alerts, the daily series. */
    async overview(config: SentinelConfig, nowMs: number) {
      const today = bucketOf(nowMs, config.timezone).day;
      const from = addDays(today, -(SERIES_DAYS - 1));
      const channels = await Promise.all(
        config.channels.map(async (c) => {
          const [hours, alerts] = await Promise.all([deps.aggregates.hours(c.id, { fromHour: `${from}T00`, toHour: `${today}T23` }), deps.alerts.list(c.id)]);
          const days = rollUpDays(hours);
          const series = Array.from({ length: SERIES_DAYS }, (_, i) => addDays(from, i)).map((day) => ({
            day,
            ...kpiView(days.get(day) ?? zeroTotals(), c.currency),
          }));
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
      return { now: new Date(nowMs).toISOString(), timezone: config.timezone, today, channels };
    },

    /**
     * Every channel's alerts: firing — most money at risk first (amounts compared in major units across currencies),
     * then critical before warning, then newest — then resolved (most recent first).
     */
    async alerts(config: SentinelConfig) {
      const all = (await Promise.all(config.channels.map((c) => deps.alerts.list(c.id)))).flatMap((l) => l.alerts.map((a) => a.state));
      const firing = all
        .filter((a) => a.status === 'firing')
        .sort(
          (x, y) =>
            Number(y.impact?.amount ?? 0) - Number(x.impact?.amount ?? 0) ||
            (x.severity === y.severity ? y.raisedAtMs - x.raisedAtMs : x.severity === 'critical' ? -1 : 1),
        );
      const resolved = all.filter((a) => a.status === 'resolved').sort((x, y) => (y.resolvedAtMs ?? 0) - (x.resolvedAtMs ?? 0));
      return { firing: firing.map(alertView), resolved: resolved.map(alertView) };
    },
  };
}
