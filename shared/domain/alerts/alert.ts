/**
 * Alerts: what a rule observes, how an alert is identified, and the lifecycle every rule shares (learned from
 * Alertmanager, Grafana, Datadog and CloudWatch): one alert per fingerprint while it fires, raised once, updated by
 * further breaches, resolved once — and silences that hold notifications back without touching the state.
 */
import { fnv1a64 } from '../hash.ts';
import type { RuleName } from '../../../events/outbound.ts';
import type { Silence } from '../config.ts';
import { formatMoney, parseMoney } from '../../kernel/money.ts';
import type { Said } from './sentences.ts';

/** The impact an alert states after a breach: the breach's own, or (cumulative) added to what it stated before. */
function impactAfter(previous: StatedImpact | undefined, impact: Impact | undefined): StatedImpact | undefined {
  if (!impact) return previous;
  let minor = impact.minor < 0n ? 0n : impact.minor;
  if (impact.cumulative && previous && previous.currency === impact.currency) {
    const before = parseMoney(previous.amount, previous.currency);
    if (before.ok) minor += before.minor;
  }
  return { amount: formatMoney(minor, impact.currency), currency: impact.currency, basis: impact.basis };
}

export type Severity = 'warning' | 'critical';

/** What an alert is about. The fingerprint is the rule plus these fields. */
export interface Subject {
  readonly channelId: string;
  readonly storeId?: string;
  readonly sku?: string;
  readonly region?: string;
  readonly period?: 'day' | 'month';
  readonly basis?: 'actual' | 'forecast';
}

/**
 * What an alert puts at stake, in the channel's money and one sentence a manager reads. `cumulative`: each breach
 * adds its own (every sale below the floor, every diverted order); otherwise each breach restates the whole (spend
 * beyond the budget now, the shortfall of the window now).
 */
export interface Impact {
  /** Minor units of `currency`, never negative. */
  readonly minor: bigint;
  readonly currency: string;
  readonly basis: string;
  readonly cumulative?: boolean;
}

/** An impact as the alert carries it: a decimal string in major units (the outbound form). */
export interface StatedImpact {
  readonly amount: string;
  readonly currency: string;
  readonly basis: string;
}

/**
 * One rule's verdict on one subject at one moment. `breach`: the condition holds. `clear`: it has cleared far
 * enough to resolve (rules apply their hysteresis before saying so); a value inside the hysteresis band produces
 * no observation at all, so a firing alert neither flaps nor resolves.
 */
export type Observation =
  | {
      readonly kind: 'breach';
      readonly rule: RuleName;
      readonly subject: Subject;
      readonly severity: Severity;
      readonly observed: string | number;
      readonly threshold: string | number;
      readonly summary: string;
      /** What the summary says, as data: written in the configured language where the observation is applied. */
      readonly said?: Said;
      readonly evidence: Readonly<Record<string, unknown>>;
      readonly impact?: Impact;
    }
  | { readonly kind: 'clear'; readonly rule: RuleName; readonly subject: Subject; readonly reason: string; readonly said?: Said };

/** Rule plus subject, in a fixed order: equal for equal alerts, whatever order the fields were built in. */
export function fingerprintOf(rule: RuleName, subject: Subject): string {
  // Every field of Subject, in this order, spelled out: every observation of every batch is keyed by it.
  return `${rule}|${subject.channelId ?? ''}|${subject.storeId ?? ''}|${subject.sku ?? ''}|${subject.region ?? ''}|${subject.period ?? ''}|${subject.basis ?? ''}`;
}

/**
 * The id of the alert a fingerprint raised at `raisedAtMs`, after the firing `previousAlertId` (if any).
 * Deterministic — a retried transition starts from the same state and yields the same id, so consumers can drop
 * the repeat by alertId + detail-type — and distinct for every firing of a fingerprint, even two at one instant.
 */
export function alertIdOf(fingerprint: string, raisedAtMs: number, previousAlertId = ''): string {
  return `alr-${fnv1a64(`${fingerprint}@${raisedAtMs}^${previousAlertId}`)}`;
}

export interface AlertState {
  readonly fingerprint: string;
  readonly alertId: string;
  readonly rule: RuleName;
  readonly subject: Subject;
  readonly status: 'firing' | 'resolved';
  readonly severity: Severity;
  readonly raisedAtMs: number;
  readonly lastBreachAtMs: number;
  /** Breaches observed while firing (the raise included). */
  readonly count: number;
  readonly observed: string | number;
  readonly threshold: string | number;
  readonly summary: string;
  readonly evidence: Readonly<Record<string, unknown>>;
  /** Money at risk, updated while it fires (see {@link Impact}). */
  readonly impact?: StatedImpact;
  /** When its severity last rose while firing. */
  readonly escalatedAtMs?: number;
  /** Who took it on, when, with what note, and at which severity (reminders stop until the severity rises). */
  readonly acknowledged?: Acknowledgement;
  /** Whether `Alert Raised` went out (a silenced alert fires without notifying). */
  readonly notified: boolean;
  /** When ops were last told (the raise or the latest reminder). */
  readonly lastNotifiedAtMs?: number;
  readonly resolvedAtMs?: number;
  readonly resolveReason?: string;
}

const withImpact = (impact: StatedImpact | undefined) => (impact ? { impact } : {});

/** Whether a silence covers this alert at `atMs`: rule and channel match, and every subject field it names. */
function isSilenced(silences: readonly Silence[], rule: RuleName, subject: Subject, atMs: number): boolean {
  return silences.some(
    (s) =>
      s.rule === rule &&
      s.channelId === subject.channelId &&
      (s.storeId === undefined || s.storeId === subject.storeId) &&
      (s.sku === undefined || s.sku === subject.sku) &&
      (s.region === undefined || s.region === subject.region) &&
      atMs >= s.fromMs &&
      atMs < s.toMs,
  );
}

export interface Acknowledgement {
  readonly by: string;
  readonly atMs: number;
  readonly note?: string;
  readonly severity: Severity;
}

export type Notification =
  | { readonly type: 'raised' | 'resolved' | 'reminder' | 'acknowledged'; readonly alert: AlertState }
  /** The firing alert's severity rose: same alertId, the severity it had before. */
  | { readonly type: 'escalated'; readonly alert: AlertState; readonly previousSeverity: Severity };

export interface Transition {
  /** The states to store (one, or two when a resolution and a raise meet in one transition). */
  readonly states: AlertState[];
  readonly notifications: Notification[];
}

const SEVERITY_RANK: Record<Severity, number> = { warning: 1, critical: 2 };

/**
 * Applies one observation to the current state of its fingerprint. Invariants: a fingerprint has at most one
 * firing alert, and it keeps its alertId for its whole firing life; `raised` is emitted only on a change to firing
 * and `resolved` only on a change from firing, each once — never for a change of severity. A breach of higher
 * severity escalates the firing alert in place (`escalated`, once: severity is the worst seen in the incident and
 * never steps down while it fires, so a value hovering at the boundary cannot page twice); a silenced alert changes
 * state but notifies no one, and its resolution is silent too; when a silence ends while the alert still fires, the
 * next breach notifies (as `raised`, at the severity it has then, if ops never heard of it). Returns `undefined` when
 * nothing changes.
 */
export function applyObservation(
  current: AlertState | undefined,
  observation: Observation,
  atMs: number,
  silences: readonly Silence[],
): Transition | undefined {
  const fingerprint = fingerprintOf(observation.rule, observation.subject);
  const firing = current?.status === 'firing' ? current : undefined;
  const silenced = isSilenced(silences, observation.rule, observation.subject, atMs);

  if (observation.kind === 'clear') {
    if (!firing) return undefined;
    const resolved: AlertState = { ...firing, status: 'resolved', resolvedAtMs: atMs, resolveReason: observation.reason };
    return { states: [resolved], notifications: firing.notified ? [{ type: 'resolved', alert: resolved }] : [] };
  }

  const raise = (): AlertState => ({
    fingerprint,
    alertId: alertIdOf(fingerprint, atMs, current?.alertId),
    rule: observation.rule,
    subject: observation.subject,
    status: 'firing',
    severity: observation.severity,
    raisedAtMs: atMs,
    lastBreachAtMs: atMs,
    count: 1,
    observed: observation.observed,
    threshold: observation.threshold,
    summary: observation.summary,
    evidence: observation.evidence,
    ...withImpact(impactAfter(undefined, observation.impact)),
    notified: !silenced,
    ...(silenced ? {} : { lastNotifiedAtMs: atMs }),
  });

  if (!firing) {
    const raised = raise();
    return { states: [raised], notifications: raised.notified ? [{ type: 'raised', alert: raised }] : [] };
  }
  const escalates = SEVERITY_RANK[observation.severity] > SEVERITY_RANK[firing.severity];
  const updated: AlertState = {
    ...firing,
    severity: escalates ? observation.severity : firing.severity,
    lastBreachAtMs: atMs,
    count: firing.count + 1,
    observed: observation.observed,
    threshold: observation.threshold,
    summary: observation.summary,
    evidence: observation.evidence,
    ...withImpact(impactAfter(firing.impact, observation.impact)),
    notified: firing.notified || !silenced,
    ...(!firing.notified && !silenced ? { lastNotifiedAtMs: atMs } : {}),
  };
  if (!firing.notified && updated.notified) return { states: [updated], notifications: [{ type: 'raised', alert: updated }] };
  if (escalates && !silenced && firing.notified) {
    const escalated: AlertState = { ...updated, lastNotifiedAtMs: atMs, escalatedAtMs: atMs };
    return { states: [escalated], notifications: [{ type: 'escalated', alert: escalated, previousSeverity: firing.severity }] };
  }
  return { states: [updated], notifications: [] };
}

/**
 * Someone on call takes a firing alert on. Invariants: only a firing alert can be acknowledged (a resolved one is
 * `not_firing`, for a 409); acknowledging again changes nothing and announces nothing (`already`); the first
 * acknowledgement is recorded with the severity it saw, and announced once.
 */
export function acknowledge(
  current: AlertState | undefined,
  by: string,
  note: string | undefined,
  atMs: number,
): { kind: 'acknowledged'; transition: Transition } | { kind: 'already'; state: AlertState } | { kind: 'not_firing'; state: AlertState | undefined } {
  if (!current || current.status !== 'firing') return { kind: 'not_firing', state: current };
  if (current.acknowledged && current.acknowledged.severity === current.severity) return { kind: 'already', state: current };
  const acknowledged: AlertState = { ...current, acknowledged: { by, atMs, severity: current.severity, ...(note ? { note } : {}) } };
  return { kind: 'acknowledged', transition: { states: [acknowledged], notifications: [{ type: 'acknowledged', alert: acknowledged }] } };
}

/**
 * An alert that fired while muted (a silence, or inhibition) and is still firing when the muting ends: ops are told
 * once, then — not at some later breach that may never come (a store that stopped dumping still has a firing price
 * alert until its quiet day ends). Invariant: only a firing, never-announced alert that nothing mutes at `atMs`.
 */
export function unmute(current: AlertState | undefined, atMs: number, silences: readonly Silence[]): Transition | undefined {
  if (!current || current.status !== 'firing' || current.notified || isSilenced(silences, current.rule, current.subject, atMs)) return undefined;
  const told: AlertState = { ...current, notified: true, lastNotifiedAtMs: atMs };
  return { states: [told], notifications: [{ type: 'raised', alert: told }] };
}

/**
 * A reminder for an alert still firing `repeatMs` after ops were last told (Alertmanager's repeat_interval).
 * Invariant: at most one reminder per interval; none for a silenced or unannounced alert; none once resolved; none
 * while it is acknowledged at its current severity (an escalation brings them back).
 */
export function remind(current: AlertState | undefined, atMs: number, repeatMs: number | undefined, silences: readonly Silence[]): Transition | undefined {
  if (!current || current.status !== 'firing' || !current.notified || repeatMs === undefined) return undefined;
  if (current.acknowledged && current.acknowledged.severity === current.severity) return undefined;
  if (atMs - (current.lastNotifiedAtMs ?? current.raisedAtMs) < repeatMs || isSilenced(silences, current.rule, current.subject, atMs)) return undefined;
  const reminded: AlertState = { ...current, lastNotifiedAtMs: atMs };
  return { states: [reminded], notifications: [{ type: 'reminder', alert: reminded }] };
}
