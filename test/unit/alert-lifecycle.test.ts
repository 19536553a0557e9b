import { describe, expect, it } from 'vitest';
import { alertIdOf, type AlertState, applyObservation, fingerprintOf, type Observation, remind } from '../../shared/domain/alerts/alert.ts';
import type { Silence } from '../../shared/domain/config.ts';

const subject = { channelId: 'tmall' };
const breach = (severity: 'warning' | 'critical' = 'warning', observed = 1.5): Observation => ({
  kind: 'breach',
  rule: 'roi_drop',
  subject,
  severity,
  observed,
  threshold: 2,
  summary: 'low',
  evidence: { roi: observed },
});
const clear: Observation = { kind: 'clear', rule: 'roi_drop', subject, reason: 'recovered' };
const T0 = Date.parse('2025-01-15T00:00:00Z');
const H = 3_600_000;

/** Runs a sequence of observations and collects the notifications. */
function run(observations: [number, Observation][], silences: Silence[] = []) {
  let state: AlertState | undefined;
  const notes: string[] = [];
  for (const [at, obs] of observations) {
    const t = applyObservation(state, obs, at, silences);
    if (!t) continue;
    state = t.states[t.states.length - 1];
    for (const n of t.notifications) notes.push(`${n.type}:${n.alert.alertId.startsWith('alr-') ? 'ok' : 'bad-id'}:${n.alert.severity}`);
  }
  return { state, notes };
}

describe('alert lifecycle', () => {
  it('a breach that persists for a day raises one alert and counts the repeats', () => {
    const { state, notes } = run(Array.from({ length: 24 }, (_, h) => [T0 + h * H, breach()] as [number, Observation]));
    expect(notes).toEqual(['raised:ok:warning']);
    expect(state).toMatchObject({ status: 'firing', count: 24, raisedAtMs: T0, lastBreachAtMs: T0 + 23 * H });
  });

  it('flapping inside the hysteresis band produces no storm; a clear resolves once', () => {
    // The rules emit nothing inside the band, so a flap is breach, (nothing), breach, …
    const { notes, state } = run([
      [T0, breach()],
      [T0 + H, breach()],
      [T0 + 2 * H, clear],
      [T0 + 3 * H, clear],
    ]);
    expect(notes).toEqual(['raised:ok:warning', 'resolved:ok:warning']);
    expect(state).toMatchObject({ status: 'resolved', resolveReason: 'recovered', resolvedAtMs: T0 + 2 * H });
  });

  it('a new breach after resolution is a new alert with a new id', () => {
    const a = applyObservation(undefined, breach(), T0, []);
    const r = applyObservation(a?.states[0], clear, T0 + H, []);
    const b = applyObservation(r?.states[0], breach(), T0 + 2 * H, []);
    expect(b?.states[0]?.alertId).not.toBe(a?.states[0]?.alertId);
    expect(b?.notifications.map((n) => n.type)).toEqual(['raised']);
  });

  it('one alert per incident: a warning that turns critical escalates in place, keeps its id, resolves once', () => {
    const ids = new Set<string>();
    let state: AlertState | undefined;
    const types: string[] = [];
    for (const [at, obs] of [
      [T0, breach('warning')],
      [T0 + H, breach('critical', 0.9)],
      [T0 + 2 * H, breach('warning')],
      [T0 + 3 * H, breach('critical')],
      [T0 + 4 * H, clear],
    ] as [number, Observation][]) {
      const t = applyObservation(state, obs, at, []);
      state = t?.states[t.states.length - 1] ?? state;
      for (const n of t?.notifications ?? []) {
        ids.add(n.alert.alertId);
        types.push(n.type === 'escalated' ? `escalated:${n.previousSeverity}→${n.alert.severity}` : `${n.type}:${n.alert.severity}`);
      }
    }
    // Severity is the worst seen while it fires: the warning at T0+2H does not step it down, so nothing pages twice.
    expect(types).toEqual(['raised:warning', 'escalated:warning→critical', 'resolved:critical']);
    expect(ids.size).toBe(1);
    expect(state).toMatchObject({ status: 'resolved', severity: 'critical', count: 4, raisedAtMs: T0 });
  });

  it('an escalation under a silence is silent; an alert ops never heard of is raised at its current severity', () => {
    const silence: Silence = { rule: 'roi_drop', channelId: 'tmall', fromMs: T0 + H, toMs: T0 + 2 * H };
    expect(
      run(
        [
          [T0, breach('warning')],
          [T0 + H, breach('critical')],
        ],
        [silence],
      ).notes,
    ).toEqual(['raised:ok:warning']);
    const quiet: Silence = { rule: 'roi_drop', channelId: 'tmall', fromMs: T0, toMs: T0 + 2 * H };
    expect(
      run(
        [
          [T0, breach('warning')],
          [T0 + H, breach('critical')],
          [T0 + 3 * H, breach('critical')],
        ],
        [quiet],
      ).notes,
    ).toEqual(['raised:ok:critical']);
  });

  it('silences hold notifications back without losing state, and the alert speaks once the silence ends', () => {
    const silence: Silence = { rule: 'roi_drop', channelId: 'tmall', fromMs: T0, toMs: T0 + 2 * H };
    const { notes, state } = run(
      [
        [T0, breach()],
        [T0 + H, breach()],
        [T0 + 3 * H, breach()],
      ],
      [silence],
    );
    expect(notes).toEqual(['raised:ok:warning']);
    expect(state).toMatchObject({ count: 3, raisedAtMs: T0, notified: true });
    expect(
      run(
        [
          [T0, breach()],
          [T0 + H, clear],
        ],
        [silence],
      ).notes,
    ).toEqual([]);
  });

  it('a silence for another subject or rule does not apply', () => {
    const other: Silence = { rule: 'roi_drop', channelId: 'tmall', storeId: 'store-9', fromMs: T0, toMs: T0 + H };
    expect(run([[T0, { ...breach(), subject: { channelId: 'tmall', storeId: 'store-1' } } as Observation]], [other]).notes).toEqual(['raised:ok:warning']);
  });

  it('fingerprints depend on rule and subject only, in a fixed order', () => {
    expect(fingerprintOf('price_violation', { sku: 'S', channelId: 'c', storeId: 's' } as never)).toBe('price_violation|c|s|S|||');
    expect(alertIdOf('x', 1)).toBe(alertIdOf('x', 1));
    expect(alertIdOf('x', 1)).not.toBe(alertIdOf('x', 2));
    expect(alertIdOf('x', 1, 'alr-a')).not.toBe(alertIdOf('x', 1));
  });

  it('gives two firings of one fingerprint at one instant different ids, and a retry the same id', () => {
    const a = applyObservation(undefined, breach(), T0, [])?.states[0];
    const r = applyObservation(a, clear, T0, [])?.states[0];
    const b = applyObservation(r, breach(), T0, [])?.states[0];
    expect(b?.alertId).not.toBe(a?.alertId);
    expect(applyObservation(r, breach(), T0, [])?.states[0]?.alertId).toBe(b?.alertId);
  });

  it('reminds once per repeat interval while firing, never when silenced, unconfigured or resolved', () => {
    const raised = applyObservation(undefined, breach(), T0, [])?.states[0];
    expect(remind(raised, T0 + 4 * H - 1, 4 * H, [])).toBeUndefined();
    const first = remind(raised, T0 + 4 * H, 4 * H, []);
    expect(first?.notifications.map((n) => n.type)).toEqual(['reminder']);
    const reminded = first?.states[0];
    expect(remind(reminded, T0 + 7 * H, 4 * H, [])).toBeUndefined();
    expect(remind(reminded, T0 + 8 * H, 4 * H, [])?.notifications).toHaveLength(1);
    expect(remind(raised, T0 + 9 * H, undefined, [])).toBeUndefined();
    expect(remind(raised, T0 + 9 * H, 4 * H, [{ rule: 'roi_drop', channelId: 'tmall', fromMs: T0, toMs: T0 + 10 * H }])).toBeUndefined();
    const resolved = applyObservation(raised, clear, T0 + H, [])?.states[0];
    expect(remind(resolved, T0 + 9 * H, 4 * H, [])).toBeUndefined();
  });
});

describe('acknowledgement', () => {
  it('stops reminders until the severity rises; a second acknowledgement changes nothing; a resolved alert cannot be', async () => {
    const { acknowledge } = await import('../../shared/domain/alerts/alert.ts');
    const raised = applyObservation(undefined, breach('warning'), T0, [])?.states[0];
    const acked = acknowledge(raised, 'ops@shop', 'looking', T0 + H);
    expect(acked.kind).toBe('acknowledged');
    const state = acked.kind === 'acknowledged' ? acked.transition.states[0] : undefined;
    expect(state?.acknowledged).toEqual({ by: 'ops@shop', atMs: T0 + H, severity: 'warning', note: 'looking' });
    expect(remind(state, T0 + 10 * H, 4 * H, [])).toBeUndefined();
    expect(acknowledge(state, 'someone-else', undefined, T0 + 2 * H)).toMatchObject({ kind: 'already', state: { acknowledged: { by: 'ops@shop' } } });
    // Escalation: announced, and reminders come back for the new severity.
    const escalated = applyObservation(state, breach('critical'), T0 + 3 * H, []);
    expect(escalated?.notifications.map((n) => n.type)).toEqual(['escalated']);
    expect(remind(escalated?.states[0], T0 + 8 * H, 4 * H, [])?.notifications.map((n) => n.type)).toEqual(['reminder']);
    const resolved = applyObservation(state, clear, T0 + 4 * H, [])?.states[0];
    expect(acknowledge(resolved, 'ops@shop', undefined, T0 + 5 * H).kind).toBe('not_firing');
  });
});
