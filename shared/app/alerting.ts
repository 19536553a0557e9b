/**
 * Alerting, the use case: gathers the facts the rules need from the stores, runs the pure rules and the alert
 * lifecycle, and commits each transition with its outbox entries. Used by the stream handler (per event and per
 * touched channel, right after aggregation) and by the scheduled sweep; time always comes in.
 */
import { SALE, type InboundEvent } from '../../events/normalised.ts';
import { zeroTotals } from '../domain/aggregation.ts';
import { type AlertState, applyObservation, fingerprintOf, type Notification, type Observation, remind, unmute } from '../domain/alerts/alert.ts';
import {
  budgetActualRule,
  budgetForecastRule,
  HELD_BACK_WHILE_STALE,
  mismatchRule,
  priceRule,
  regionRule,
  roiRule,
  RULE_DEFAULTS,
  staleRule,
} from '../domain/alerts/rules.ts';
import { monthToDate, WINDOW_HOURS, type WindowFacts, windowFacts } from '../domain/alerts/window-facts.ts';
import type { ChannelConfig, SentinelConfig, Silence } from '../domain/config.ts';
import type { RuleName } from '../../events/outbound.ts';
import { promotionHours } from '../domain/promotions.ts';
import { bucketOf } from '../kernel/time.ts';
import { alertEntries } from './outbox-entries.ts';
import type { AggregateReader, AlertStore, EventPublisher } from './ports.ts';
import { publishOutbox } from './publishing.ts';
import { sentence } from '../domain/alerts/sentences.ts';
import type { Locale } from '../domain/config.ts';
import { compareText } from '../kernel/compare.ts';

const HOUR = 3_600_000;
/** The sweep's schedule: every 15 minutes (the deployed schedule and replay's simulated one). */
export const SWEEP_INTERVAL_MS = 15 * 60_000;
/** Most times a transition is re-read and retried after another evaluation changed the same fingerprint. */
const MAX_SAVE_ATTEMPTS = 8;

/** Where a channel's day stands at a sweep: what the dashboard plots as spend against budget. */
export interface ChannelPacing {
  readonly channelId: string;
  readonly currency: string;
  readonly spendToday: bigint;
  readonly dailyBudget: bigint;
}

export interface AlertingDeps {
  readonly alerts: AlertStore;
  readonly aggregates: AggregateReader;
  readonly publisher: EventPublisher;
}

/** A channel's alert states by fingerprint, with the versions their next save must find. */
type Known = Map<string, { state: AlertState; version: number }>;

/** The current states of a channel's alerts and its latest arrival (one Query). */
async function known(deps: AlertingDeps, channelId: string): Promise<{ current: Known; lastEventAtMs: number | undefined }> {
  const listed = await deps.alerts.list(channelId);
  return { current: new Map(listed.alerts.map((entry) => [entry.state.fingerprint, entry])), lastEventAtMs: listed.lastEventAtMs };
}

/** The facts of a channel's rules at `atMs`: its hour buckets of the window (one Query). */
async function factsOf(deps: AlertingDeps, config: SentinelConfig, channelId: string, atMs: number): Promise<WindowFacts> {
  const hours = await deps.aggregates.hourSums(channelId, {
    fromHour: bucketOf(atMs - WINDOW_HOURS * HOUR, config.timezone).hour,
    toHour: bucketOf(atMs, config.timezone).hour,
  });
  return windowFacts(hours, atMs, config.timezone, promotionHours(config, channelId));
}

/**
 * Observations grouped by fingerprint, in order. Within one evaluation the last word wins for resolution: a clear
 * followed by a breach of the same fingerprint (a compliant sale between two dumped ones) is no resolution, so one
 * instant never resolves and re-raises.
 */
function byFingerprint(observations: readonly Observation[]): Map<string, Observation[]> {
  const grouped = new Map<string, Observation[]>();
  for (const o of observations) {
    const fp = fingerprintOf(o.rule, o.subject);
    const list = grouped.get(fp);
    if (list) list.push(o);
    else grouped.set(fp, [o]);
  }
  for (const [fp, list] of grouped) {
    const lastBreach = list.map((o) => o.kind).lastIndexOf('breach');
    grouped.set(
      fp,
      list.filter((o, i) => o.kind === 'breach' || i > lastBreach),
    );
  }
  return grouped;
}

/**
 * Applies observations (in order) to their fingerprints and commits each change with its outbox entries. Starts from
 * `current` (read by the caller in one Query) and re-reads a fingerprint only when its save lost a race.
 */
/** Observations with their summary or reason written in `locale` (the rules write English). */
function inLocale(observations: readonly Observation[], locale: Locale): readonly Observation[] {
  if (locale === 'en') return observations;
  return observations.map((o) =>
    !o.said ? o : o.kind === 'breach' ? { ...o, summary: sentence(locale, o.said) } : { ...o, reason: sentence(locale, o.said) },
  );
}

async function apply(
  deps: AlertingDeps,
  config: SentinelConfig,
  observations: readonly Observation[],
  atMs: number,
  current: Known,
  inhibited: readonly Silence[] = [],
): Promise<number> {
  let saved = 0;
  const silences = inhibited.length === 0 ? config.silences : [...config.silences, ...inhibited];
  for (const [fingerprint, list] of byFingerprint(inLocale(observations, config.locale))) {
    const channelId = (list[0] as Observation).subject.channelId;
    let entry = current.get(fingerprint);
    for (let attempt = 1; ; attempt++) {
      let state: AlertState | undefined = entry?.state;
      const states: AlertState[] = [];
      const notifications: Notification[] = [];
      for (const observation of list) {
        const t = applyObservation(state, observation, atMs, silences);
        if (!t) continue;
        states.push(...t.states);
        notifications.push(...t.notifications);
        state = t.states[t.states.length - 1];
      }
      if (states.length === 0 || !state) break;
      const version = entry?.version ?? 0;
      if ((await deps.alerts.save(channelId, states, version, alertEntries(notifications, atMs, version + 1))) === 'saved') {
        current.set(fingerprint, { state, version: version + 1 });
        saved += 1;
        break;
      }
      if (attempt >= MAX_SAVE_ATTEMPTS) throw new Error(`alert ${fingerprint} kept changing underneath; giving up after ${attempt} attempts`);
      entry = await deps.alerts.get(channelId, fingerprint);
    }
  }
  return saved;
}

/**
 * Resolutions that end an alert's life regardless of the value — a day's budget alerts when the day is over, price
 * and region alerts after 24 quiet hours. They are applied before, and apart from, the rules, so the first evaluation
 * of a new day resolves yesterday's overrun as "period ended", and a breach on the new day raises a new alert
 * instead of extending yesterday's.
 */
function endings(config: SentinelConfig, atMs: number, current: Known): Observation[] {
  const today = bucketOf(atMs, config.timezone).day;
  const out: Observation[] = [];
  for (const { state: alert } of current.values()) {
    if (alert.status !== 'firing') continue;
    const raisedDay = bucketOf(alert.raisedAtMs, config.timezone).day;
    const periodOver = alert.subject.period === 'day' ? raisedDay !== today : raisedDay.slice(0, 7) !== today.slice(0, 7);
    if (alert.rule === 'budget_overrun' && periodOver)
      out.push({ kind: 'clear', rule: alert.rule, subject: alert.subject, reason: sentence('en', { key: 'period_ended' }), said: { key: 'period_ended' } });
    if ((alert.rule === 'price_violation' || alert.rule === 'unauthorized_region') && atMs - alert.lastBreachAtMs >= RULE_DEFAULTS.quietResolveMs) {
      out.push({ kind: 'clear', rule: alert.rule, subject: alert.subject, reason: sentence('en', { key: 'quiet_24h' }), said: { key: 'quiet_24h' } });
    }
  }
  return out;
}

/** What the channel's KPI and budget rules say at `atMs`. */
function channelRules(channel: ChannelConfig, facts: WindowFacts, withForecast: boolean): Observation[] {
  return [
    ...(facts.trailingHours >= RULE_DEFAULTS.minTrailingHours
      ? roiRule(channel, facts.trailing24h, facts.baselineHours >= RULE_DEFAULTS.minBaselineHours ? facts.baseline7d : zeroTotals())
      : []),
    ...mismatchRule(channel, facts.trailing24h),
    ...budgetActualRule(channel, 'day', facts.dayToDate.spend, channel.budget.daily),
    ...(withForecast ? budgetForecastRule(channel, 'day', facts.dayToDate.spend, channel.budget.daily, facts.usualDayShare) : []),
  ];
}

/**
 * Inhibition as data (Alertmanager's inhibit rules, muting applied after the state change): while a channel's
 * feed_stale fires, its KPI rules' notifications are muted exactly as a silence mutes them — their state still evolves
 * underneath. When the feed recovers, a KPI alert still in breach is announced at its next breach (once); one that
 * cleared meanwhile resolves silently and is never shown.
 */
function inhibitionsOf(channelId: string, current: Known): Silence[] {
  const stale = [...current.values()].some(({ state }) => state.rule === 'feed_stale' && state.status === 'firing');
  if (!stale) return [];
  return [...HELD_BACK_WHILE_STALE].map((rule) => ({ rule: rule as RuleName, channelId, fromMs: Number.MIN_SAFE_INTEGER, toMs: Number.MAX_SAFE_INTEGER }));
}

/**
 * budget_overrun for the month (actual and linear forecast): month-to-date spend from the month's hour buckets.
 * Judged once an hour (the first sweep of each hour) — a month moves slowly and its Query is the largest.
 */
async function monthObservations(deps: AlertingDeps, config: SentinelConfig, channel: ChannelConfig, atMs: number): Promise<Observation[]> {
  const monthly = channel.budget.monthly;
  if (monthly === undefined || atMs % HOUR >= SWEEP_INTERVAL_MS) return [];
  const { fromHour, toHour, elapsed } = monthToDate(atMs, config.timezone);
  const spend = (await deps.aggregates.hourSums(channel.id, { fromHour, toHour })).spend(fromHour, toHour);
  return [...budgetActualRule(channel, 'month', spend, monthly), ...budgetForecastRule(channel, 'month', spend, monthly, elapsed)];
}

/** Alerts that fired muted and still fire now that nothing mutes them: ops are told once (see `unmute`). */
async function unmuteAll(deps: AlertingDeps, config: SentinelConfig, channelId: string, atMs: number, current: Known, inhibited: readonly Silence[]) {
  const silences = [...config.silences, ...inhibited];
  for (const [fingerprint, entry] of current) {
    const t = unmute(entry.state, atMs, silences);
    if (!t) continue;
    if ((await deps.alerts.save(channelId, t.states, entry.version, alertEntries(t.notifications, atMs, entry.version + 1))) === 'saved')
      current.set(fingerprint, { state: t.states[0] as AlertState, version: entry.version + 1 });
  }
}

/** Reminders for the channel's alerts still firing a repeat interval after ops were last told. */
async function remindAll(deps: AlertingDeps, config: SentinelConfig, channelId: string, atMs: number, current: Known): Promise<void> {
  for (const [fingerprint, entry] of current) {
    const t = remind(entry.state, atMs, config.repeatIntervalMs, config.silences);
    if (!t) continue;
    const state = t.states[0] as AlertState;
    // A lost race means another sweep reminded (or the alert changed): the next sweep looks again.
    if ((await deps.alerts.save(channelId, t.states, entry.version, alertEntries(t.notifications, atMs, entry.version + 1))) === 'saved')
      current.set(fingerprint, { state, version: entry.version + 1 });
  }
}

/** Per event (price, region) and per touched channel (ROI, mismatch, budget actual), right after aggregation. */
async function evaluateEvents(
  deps: AlertingDeps,
  config: SentinelConfig,
  events: readonly { event: InboundEvent; arrivedAtMs: number }[],
  atMs: number,
): Promise<string[]> {
  const channels = new Map(config.channels.map((c) => [c.id, c]));
  const perEvent: Observation[] = [];
  const latest = new Map<string, number>();
  // In the order they happened, not the order they reached the stream (concurrent ingest commits in any order): the
  // later of a compliant and a violating sale has the last word, the same way on every delivery.
  const ordered = [...events].sort(
    (a, b) => a.event.occurredAtMs - b.event.occurredAtMs || compareText(a.event.channelId, b.event.channelId) || compareText(a.event.eventId, b.event.eventId),
  );
  for (const { event, arrivedAtMs } of ordered) {
    const channel = channels.get(event.channelId);
    if (!channel) continue;
    // Freshness is what the feed reports about now: a straggler that happened hours ago does not revive a silent
    // feed, so the latest occurrence counts (never later than its arrival).
    latest.set(channel.id, Math.max(latest.get(channel.id) ?? 0, Math.min(event.occurredAtMs, arrivedAtMs)));
    if (event.type === SALE) perEvent.push(...priceRule(config, channel, event), ...regionRule(channel, event));
  }
  // Channels are independent: evaluated side by side. Returns those where a transition was saved: only their
  // outboxes can hold something new (an entry left by a crash before publishing waits for the sweep's drain).
  const changed = await Promise.all(
    [...latest].map(async ([channelId, lastMs]): Promise<string | undefined> => {
      const channel = channels.get(channelId) as ChannelConfig;
      const [{ current, lastEventAtMs }, facts] = await Promise.all([known(deps, channelId), factsOf(deps, config, channelId, atMs)]);
      if (lastEventAtMs === undefined || lastMs > lastEventAtMs) await deps.alerts.touchChannel(channelId, lastMs);
      let saved = await apply(
        deps,
        config,
        perEvent.filter((o) => o.subject.channelId === channelId),
        atMs,
        current,
      );
      // The rules judge the feed as it stood before this batch: KPI breaches seen while it was stale stay muted.
      const rules = channelRules(channel, facts, false);
      const inhibited = inhibitionsOf(channelId, current);
      const arrived = staleRule(channel, lastMs, true, atMs).filter((o) => o.kind === 'clear');
      saved += await apply(deps, config, [...arrived, ...endings(config, atMs, current)], atMs, current);
      saved += await apply(deps, config, rules, atMs, current, inhibited);
      return saved > 0 ? channelId : undefined;
    }),
  );
  return changed.filter((c): c is string => c !== undefined);
}

/**
 * The scheduled sweep: forecast pacing, stale feeds, resolution when nothing arrives (windows move on), period ends
 * (budgets) and quiet periods (prices, regions), reminders.
 */
async function sweep(deps: AlertingDeps, config: SentinelConfig, atMs: number): Promise<ChannelPacing[]> {
  return Promise.all(
    config.channels.map(async (channel): Promise<ChannelPacing> => {
      const [{ current, lastEventAtMs }, facts] = await Promise.all([known(deps, channel.id), factsOf(deps, config, channel.id, atMs)]);
      const usualHourlyGmv = facts.baseline7d.gmv / BigInt(7 * 24);
      await apply(
        deps,
        config,
        staleRule(channel, lastEventAtMs, facts.activeHours48h >= RULE_DEFAULTS.normallyReportsHours, atMs, usualHourlyGmv),
        atMs,
        current,
      );
      await apply(deps, config, endings(config, atMs, current), atMs, current);
      await apply(
        deps,
        config,
        [...channelRules(channel, facts, true), ...(await monthObservations(deps, config, channel, atMs))],
        atMs,
        current,
        inhibitionsOf(channel.id, current),
      );
      await unmuteAll(deps, config, channel.id, atMs, current, inhibitionsOf(channel.id, current));
      await remindAll(deps, config, channel.id, atMs, current);
      return { channelId: channel.id, currency: channel.currency, spendToday: facts.dayToDate.spend, dailyBudget: channel.budget.daily };
    }),
  );
}

export function makeAlerting(deps: AlertingDeps) {
  return {
    evaluateEvents: (config: SentinelConfig, events: readonly { event: InboundEvent; arrivedAtMs: number }[], atMs: number) =>
      evaluateEvents(deps, config, events, atMs),
    sweep: (config: SentinelConfig, atMs: number) => sweep(deps, config, atMs),
    /** Publishes whatever the outbox holds for these channels. */
    publish: (config: SentinelConfig, channelIds: readonly string[] = config.channels.map((c) => c.id)) =>
      publishOutbox(deps.alerts, deps.publisher, channelIds),
  };
}

export type Alerting = ReturnType<typeof makeAlerting>;
