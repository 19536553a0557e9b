/**
 * Alerting, the application service: gathers the facts the rules need from the stores, runs the pure rules and
 * the alert lifecycle, and commits each transition with its outbox entries. Used by the stream handler (per
 * event and per touched channel, right after aggregation) and by the scheduled sweep; time always comes in.
 */
import { type Totals, addInto, zeroTotals } from '../domain/aggregation.ts';
import { type AlertState, applyObservation, fingerprintOf, type Observation, remind } from '../domain/alerts/alert.ts';
import { budgetActualRule, budgetForecastRule, HELD_BACK_WHILE_STALE, mismatchRule, priceRule, regionRule, roiRule, RULE_DEFAULTS, staleRule } from '../domain/alerts/rules.ts';
import type { ChannelConfig, SentinelConfig } from '../domain/config.ts';
import { SALE, type InboundEvent } from '../domain/inbound-event.ts';
import { bucketOf } from '../domain/time.ts';
import { SENTINEL_SOURCE } from '../../events/routes.ts';
import type { AggregateReader } from '../adapters/aggregate-store.ts';
import { type AlertStore, outboxEntriesFor } from '../adapters/alert-store.ts';
import { type EventPublisher, publishOutbox } from '../adapters/publisher.ts';

const HOUR = 3_600_000;
/** The sweep's schedule: every 15 minutes (the deployed schedule and replay's simulated one). */
export const SWEEP_INTERVAL_MS = 15 * 60_000;

export interface WindowFacts {
  readonly trailing24h: Totals;
  readonly baseline7d: Totals;
  readonly dayToDate: Totals;
  /** Share of a day's spend that usually falls before now (from the previous 7 days; linear without history). */
  readonly usualDayShare: number;
  /** Hours with events among the 48 before now: does the channel normally report? */
  readonly activeHours48h: number;
  /** Hours with spend in the 7-day baseline window: a baseline of one day is not a baseline. */
  readonly baselineHours: number;
  /** Hours with spend in the trailing 24 h: a channel that started reporting this morning has no 24-hour ROI yet. */
  readonly trailingHours: number;
}

/**
 * Hour buckets a baseline must leave out: hours inside a promotion for the channel (a festival's ROI is not the
 * channel's normal, and comparing the week after Double 11 with Double 11 would cry wolf).
 */
export function promotionHours(config: SentinelConfig, channelId: string): (hourStartMs: number) => boolean {
  const windows = config.promotions.filter((p) => p.channelIds.includes(channelId));
  return (hourStartMs) => windows.some((p) => hourStartMs + HOUR > p.fromMs && hourStartMs < p.toMs);
}

/** Window totals at `nowMs` from a channel's hour buckets (keys `YYYY-MM-DDTHH` in the business timezone). */
export function windowFacts(hours: ReadonlyMap<string, Totals>, nowMs: number, timezone: string, excludeFromBaseline: (hourStartMs: number) => boolean = () => false): WindowFacts {
  const trailing24h = zeroTotals();
  const baseline7d = zeroTotals();
  let activeHours48h = 0;
  let baselineHours = 0;
  let trailingHours = 0;
  for (let k = 0; k < 24 * 8; k++) {
    const t = hours.get(bucketOf(nowMs - k * HOUR, timezone).hour);
    if (!t) continue;
    if (k < 24) {
      addInto(trailing24h, t);
      if (t.spend > 0n) trailingHours += 1;
    } else if (!excludeFromBaseline(Math.floor((nowMs - k * HOUR) / HOUR) * HOUR)) {
      addInto(baseline7d, t);
      if (t.spend > 0n) baselineHours += 1;
    }
    if (k < 48 && t.events > 0n) activeHours48h += 1;
  }
  const today = bucketOf(nowMs, timezone);
  const dayToDate = zeroTotals();
  for (const [hour, t] of hours) if (hour.startsWith(today.day) && hour <= today.hour) addInto(dayToDate, t);
  // Usual intraday share of spend before now, over the previous 7 business days.
  const hourOfDay = Number(today.hour.slice(11, 13));
  const fractionOfHour = (nowMs % HOUR) / HOUR;
  let before = 0;
  let total = 0;
  for (let d = 1; d <= 7; d++) {
    const day = bucketOf(nowMs - d * 24 * HOUR, timezone).day;
    for (let h = 0; h < 24; h++) {
      const spend = Number(hours.get(`${day}T${String(h).padStart(2, '0')}`)?.spend ?? 0n);
      total += spend;
      if (h < hourOfDay) before += spend;
      else if (h === hourOfDay) before += spend * fractionOfHour;
    }
  }
  const usualDayShare = total > 0 ? before / total : (hourOfDay + fractionOfHour) / 24;
  return { trailing24h, baseline7d, dayToDate, usualDayShare, activeHours48h, baselineHours, trailingHours };
}

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

/** Most times a transition is re-read and retried after another evaluation changed the same fingerprint. */
const MAX_SAVE_ATTEMPTS = 8;

export function makeAlerting(deps: AlertingDeps) {
  type Known = Map<string, { state: AlertState; version: number }>;

  /** The current states of a channel's alerts, keyed by fingerprint, and its latest arrival (one Query). */
  async function known(channelId: string): Promise<{ current: Known; lastEventAtMs: number | undefined }> {
    const listed = await deps.alerts.list(channelId);
    return { current: new Map(listed.alerts.map((entry) => [entry.state.fingerprint, entry])), lastEventAtMs: listed.lastEventAtMs };
  }

  /**
   * Applies observations (in order) to their fingerprints and commits each change with its outbox entries. Starts
   * from `current` (read by the caller in one Query) and re-reads a fingerprint only when its save lost a race.
   */
  async function apply(config: SentinelConfig, observations: readonly Observation[], atMs: number, current: Known): Promise<void> {
    const byFingerprint = new Map<string, Observation[]>();
    for (const o of observations) {
      const fp = fingerprintOf(o.rule, o.subject);
      byFingerprint.set(fp, [...(byFingerprint.get(fp) ?? []), o]);
    }
    // Within one evaluation the last word wins for resolution: a clear followed by a breach of the same fingerprint
    // (a compliant sale between two dumped ones) is no resolution, so one instant never resolves and re-raises.
    for (const [fp, list] of byFingerprint) {
      const lastBreach = list.map((o) => o.kind).lastIndexOf('breach');
      byFingerprint.set(fp, list.filter((o, i) => o.kind === 'breach' || i > lastBreach));
    }
    for (const [fingerprint, list] of byFingerprint) {
      const channelId = (list[0] as Observation).subject.channelId;
      let entry = current.get(fingerprint);
      for (let attempt = 1; ; attempt++) {
        let state: AlertState | undefined = entry?.state;
        const states: AlertState[] = [];
        const notifications = [];
        for (const observation of list) {
          const t = applyObservation(state, observation, atMs, config.silences);
          if (!t) continue;
          states.push(...t.states);
          notifications.push(...t.notifications);
          state = t.states[t.states.length - 1];
        }
        if (states.length === 0 || !state) break;
        const version = entry?.version ?? 0;
        if ((await deps.alerts.save(channelId, states, version, outboxEntriesFor(notifications, atMs, version + 1))) === 'saved') {
          current.set(fingerprint, { state, version: version + 1 });
          break;
        }
        if (attempt >= MAX_SAVE_ATTEMPTS) throw new Error(`alert ${fingerprint} kept changing underneath; giving up after ${attempt} attempts`);
        entry = await deps.alerts.get(channelId, fingerprint);
      }
    }
  }

  /**
   * Everything one channel's rules say at `atMs`. Resolutions that end an alert's life regardless of the value come
   * first — a day's budget alerts when the day is over, price and region alerts after 24 quiet hours — so the first
   * evaluation of a new day resolves yesterday's overrun as "period ended", not as "spend is back". They are
   * applied before, and apart from, the rules: a breach on the new day then raises a new alert instead of extending
   * yesterday's. KPI breaches are held back while the channel's feed is stale.
   */
  async function channelObservations(config: SentinelConfig, channel: ChannelConfig, atMs: number, facts: WindowFacts, current: Known, withForecast: boolean): Promise<{ endings: Observation[]; rules: Observation[] }> {
    const today = bucketOf(atMs, config.timezone).day;
    const endings: Observation[] = [];
    for (const { state: alert } of current.values()) {
      if (alert.status !== 'firing') continue;
      const raisedDay = bucketOf(alert.raisedAtMs, config.timezone).day;
      const periodOver = alert.subject.period === 'day' ? raisedDay !== today : raisedDay.slice(0, 7) !== today.slice(0, 7);
      if (alert.rule === 'budget_overrun' && periodOver) {
        endings.push({ kind: 'clear', rule: alert.rule, subject: alert.subject, reason: 'the budget period ended' });
      }
      if ((alert.rule === 'price_violation' || alert.rule === 'unauthorized_region') && atMs - alert.lastBreachAtMs >= RULE_DEFAULTS.quietResolveMs) {
        endings.push({ kind: 'clear', rule: alert.rule, subject: alert.subject, reason: 'no further violation for 24 h' });
      }
    }
    const stale = [...current.values()].some(({ state }) => state.rule === 'feed_stale' && state.status === 'firing');
    const rules = [
      ...(facts.trailingHours >= RULE_DEFAULTS.minTrailingHours ? roiRule(channel, facts.trailing24h, facts.baselineHours >= RULE_DEFAULTS.minBaselineHours ? facts.baseline7d : zeroTotals()) : []),
      ...mismatchRule(channel, facts.trailing24h),
      ...budgetActualRule(channel, 'day', facts.dayToDate.spend, channel.budget.daily),
      ...(withForecast ? budgetForecastRule(channel, 'day', facts.dayToDate.spend, channel.budget.daily, facts.usualDayShare) : []),
    ].filter((o) => !(stale && o.kind === 'breach' && HELD_BACK_WHILE_STALE.has(o.rule)));
    return { endings, rules };
  }

  /** Reminders for the channel's alerts still firing a repeat interval after ops were last told. */
  async function remindAll(config: SentinelConfig, channelId: string, atMs: number, current: Known): Promise<void> {
    for (const [fingerprint, entry] of current) {
      const t = remind(entry.state, atMs, config.repeatIntervalMs, config.silences);
      if (!t) continue;
      const state = t.states[0] as AlertState;
      // A lost race means another sweep reminded (or the alert changed): the next sweep looks again.
      if ((await deps.alerts.save(channelId, t.states, entry.version, outboxEntriesFor(t.notifications, atMs, entry.version + 1))) === 'saved') current.set(fingerprint, { state, version: entry.version + 1 });
    }
  }

  /**
   * budget_overrun for the month (actual and linear forecast): month-to-date spend from the month's hour buckets.
   * Judged once an hour (the first sweep of each hour) — a month moves slowly and its Query is the largest.
   */
  async function monthObservations(config: SentinelConfig, channel: ChannelConfig, atMs: number): Promise<Observation[]> {
    const monthly = channel.budget.monthly;
    if (monthly === undefined || atMs % HOUR >= SWEEP_INTERVAL_MS) return [];
    const now = bucketOf(atMs, config.timezone);
    const month = now.day.slice(0, 7);
    const hours = await deps.aggregates.hours(channel.id, { fromHour: `${month}-01T00`, toHour: now.hour });
    let spend = 0n;
    for (const t of hours.values()) spend += t.spend;
    const [year, monthNumber] = month.split('-').map(Number) as [number, number];
    const daysInMonth = new Date(Date.UTC(year, monthNumber, 0)).getUTCDate();
    const elapsed = (Number(now.day.slice(8, 10)) - 1 + (Number(now.hour.slice(11, 13)) + (atMs % HOUR) / HOUR) / 24) / daysInMonth;
    return [...budgetActualRule(channel, 'month', spend, monthly), ...budgetForecastRule(channel, 'month', spend, monthly, elapsed)];
  }

  /** The facts of a channel's rules at `atMs`: its hour buckets of the last 8 days (one Query). */
  async function factsOf(config: SentinelConfig, channelId: string, atMs: number): Promise<WindowFacts> {
    const hours = await deps.aggregates.hours(channelId, { fromHour: bucketOf(atMs - 8 * 24 * HOUR, config.timezone).hour, toHour: bucketOf(atMs, config.timezone).hour });
    return windowFacts(hours, atMs, config.timezone, promotionHours(config, channelId));
  }

  return {
    /** Per event (price, region) and per touched channel (ROI, mismatch, budget actual), right after aggregation. */
    async evaluateEvents(config: SentinelConfig, events: readonly { event: InboundEvent; arrivedAtMs: number }[], atMs: number): Promise<void> {
      const channels = new Map(config.channels.map((c) => [c.id, c]));
      const perEvent: Observation[] = [];
      const latest = new Map<string, number>();
      for (const { event, arrivedAtMs } of events) {
        const channel = channels.get(event.channelId);
        if (!channel) continue;
        // Freshness is what the feed reports about now: a straggler that happened hours ago does not revive a
        // silent feed, so the latest occurrence counts (never later than its arrival).
        latest.set(channel.id, Math.max(latest.get(channel.id) ?? 0, Math.min(event.occurredAtMs, arrivedAtMs)));
        if (event.type === SALE) perEvent.push(...priceRule(config, channel, event), ...regionRule(channel, event));
      }
      // Channels are independent: evaluated side by side.
      await Promise.all(
        [...latest].map(async ([channelId, lastMs]) => {
          const channel = channels.get(channelId) as ChannelConfig;
          const [{ current, lastEventAtMs }, facts] = await Promise.all([known(channelId), factsOf(config, channelId, atMs)]);
          if (lastEventAtMs === undefined || lastMs > lastEventAtMs) await deps.alerts.touchChannel(channelId, lastMs);
          await apply(config, perEvent.filter((o) => o.subject.channelId === channelId), atMs, current);
          const arrived = staleRule(channel, lastMs, true, atMs).filter((o) => o.kind === 'clear');
          const { endings, rules } = await channelObservations(config, channel, atMs, facts, current, false);
          await apply(config, [...arrived, ...endings], atMs, current);
          await apply(config, rules, atMs, current);
        }),
      );
    },

    /**
     * The scheduled sweep: forecast pacing, stale feeds, resolution when nothing arrives (windows move on), period
     * ends (budgets) and quiet periods (prices, regions).
     */
    async sweep(config: SentinelConfig, atMs: number): Promise<ChannelPacing[]> {
      return Promise.all(
        config.channels.map(async (channel): Promise<ChannelPacing> => {
          const [{ current, lastEventAtMs }, facts] = await Promise.all([known(channel.id), factsOf(config, channel.id, atMs)]);
          await apply(config, staleRule(channel, lastEventAtMs, facts.activeHours48h >= RULE_DEFAULTS.normallyReportsHours, atMs), atMs, current);
          const { endings, rules } = await channelObservations(config, channel, atMs, facts, current, true);
          await apply(config, endings, atMs, current);
          await apply(config, [...rules, ...(await monthObservations(config, channel, atMs))], atMs, current);
          await remindAll(config, channel.id, atMs, current);
          return { channelId: channel.id, currency: channel.currency, spendToday: facts.dayToDate.spend, dailyBudget: channel.budget.daily };
        }),
      );
    },

    /** Publishes whatever the outbox holds for these channels. */
    async publish(config: SentinelConfig, channelIds: readonly string[] = config.channels.map((c) => c.id)) {
      return publishOutbox(deps.alerts, deps.publisher, SENTINEL_SOURCE, channelIds);
    },
  };
}

export type Alerting = ReturnType<typeof makeAlerting>;
