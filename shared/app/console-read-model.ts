/**
 * The console's read model (ops and finance): per channel today's KPIs, spend against the daily budget in force,
 * ROI against its floor and the last {@link SERIES_DAYS} days; the alert list, firing first. Reads only.
 */
import { addInto, kpisOf, rollUpDays, type Totals, zeroTotals } from '../domain/aggregation.ts';
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
    ...(a.escalatedAtMs === undefined ? {} : { escalatedAt: new Date(a.escalatedAtMs).toISOString() }),
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

/** What an alert's chart plots, per rule: the figure the rule judges, hour by hour. */
const ALERT_METRIC: Record<string, { label: string; of: (window: Totals, hour: Totals, dayToDate: Totals) => number | null; money: boolean }> = {
  roi_drop: { label: 'ROI over the trailing 24 h (×)', of: (w) => (w.spend === 0n ? null : Number(w.gmv) / Number(w.spend)), money: false },
  budget_overrun: { label: 'spend so far today', of: (_w, _h, d) => Number(d.spend), money: true },
  conversion_mismatch: { label: 'reported conversions − orders over the trailing 24 h', of: (w) => Number(w.reportedConversions - w.orders), money: false },
  feed_stale: { label: 'events in the hour', of: (_w, h) => Number(h.events), money: false },
  price_violation: { label: 'GMV in the hour', of: (_w, h) => Number(h.gmv), money: true },
  unauthorized_region: { label: 'GMV in the hour', of: (_w, h) => Number(h.gmv), money: true },
};

export function makeConsoleReadModel(deps: ConsoleReadDeps) {
  return {
    /**
     * One alert with what a person on call needs on one page: its state and evidence, the rule's figure hour by hour
     * from a day before it was raised to six hours after it resolved (or now), and the moments it was raised,
     * escalated, acknowledged and resolved, to mark on that chart.
     */
    async alert(config: SentinelConfig, alertId: string, nowMs: number) {
      for (const channel of config.channels) {
        const hit = (await deps.alerts.list(channel.id)).alerts.find((a) => a.state.alertId === alertId)?.state;
        if (!hit) continue;
        const HOUR = 3_600_000;
        const fromMs = Math.floor(hit.raisedAtMs / HOUR) * HOUR - 24 * HOUR;
        const toMs = Math.min(nowMs, (hit.resolvedAtMs ?? nowMs) + 6 * HOUR);
        const hours = await deps.aggregates.hours(channel.id, {
          fromHour: bucketOf(fromMs - 24 * HOUR, config.timezone).hour,
          toHour: bucketOf(toMs, config.timezone).hour,
        });
        const metric = ALERT_METRIC[hit.rule] ?? (ALERT_METRIC.price_violation as (typeof ALERT_METRIC)[string]);
        const points: { at: string; value: number | null }[] = [];
        for (let t = fromMs; t <= toMs; t += HOUR) {
          const window = zeroTotals();
          for (let k = 0; k < 24; k++) addInto(window, hours.get(bucketOf(t - k * HOUR, config.timezone).hour) ?? {});
          const bucket = bucketOf(t, config.timezone);
          const dayToDate = zeroTotals();
          for (let k = 0; k < 24; k++) {
            const b = bucketOf(t - k * HOUR, config.timezone);
            if (b.day === bucket.day) addInto(dayToDate, hours.get(b.hour) ?? {});
          }
          const value = metric.of(window, hours.get(bucket.hour) ?? zeroTotals(), dayToDate);
          points.push({
            at: new Date(t).toISOString(),
            value: value === null ? null : metric.money ? Number(formatMoney(BigInt(Math.round(value)), channel.currency)) : value,
          });
        }
        const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
        const marks = [
          { at: iso(hit.raisedAtMs), label: 'raised' },
          { at: iso(hit.escalatedAtMs), label: 'escalated' },
          { at: iso(hit.acknowledged?.atMs), label: 'acknowledged' },
          { at: iso(hit.resolvedAtMs), label: 'resolved' },
        ].filter((m): m is { at: string; label: string } => m.at !== undefined);
        return { alert: alertView(hit), metric: { label: metric.label, currency: metric.money ? channel.currency : null, points }, marks };
      }
      return undefined;
    },

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
