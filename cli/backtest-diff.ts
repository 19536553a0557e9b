/**
 * What changes between two backtests of the same history: which alerts and proposals appear, disappear or change
 * when a configuration is replaced by another (a threshold tuned before it goes live).
 */
import type { DeliveredEvent } from '../local/local-publisher.ts';

interface Keyed {
  readonly key: string;
  readonly label: string;
  readonly event: DeliveredEvent;
}

/**
 * An alert is one firing of a fingerprint (its raise time tells firings apart); a proposal is its proposalId. Only
 * what announces a decision counts: Alert Raised, Alert Escalated and Budget Reallocation Proposed.
 */
function keyed(events: readonly DeliveredEvent[]): Map<string, Keyed> {
  const out = new Map<string, Keyed>();
  for (const event of events) {
    const d = event.detail as Record<string, unknown>;
    if (event['detail-type'] === 'Alert Raised') {
      out.set(`alert ${String(d.fingerprint)} @${String(d.raisedAt)}`, {
        key: String(d.fingerprint),
        label: `alert ${String(d.rule)} on ${String(d.channelId)} raised ${String(d.raisedAt)} (${String(d.severity)}): ${String(d.summary)}`,
        event,
      });
    } else if (event['detail-type'] === 'Alert Escalated') {
      out.set(`escalation ${String(d.fingerprint)} @${String(d.raisedAt)}`, {
        key: String(d.fingerprint),
        label: `alert ${String(d.rule)} on ${String(d.channelId)} raised ${String(d.raisedAt)} escalated ${String(d.escalatedAt)} to ${String(d.severity)}: ${String(d.summary)}`,
        event,
      });
    } else if (event['detail-type'] === 'Budget Reallocation Proposed') {
      const gain = d.expectedGain as { amount: string; low: string; high: string };
      out.set(`proposal ${String(d.proposalId)}`, {
        key: String(d.proposalId),
        label: `proposal ${String(d.proposalId)}: ${String(d.summary)} (gain ${gain.amount} [${gain.low}, ${gain.high}]/day)`,
        event,
      });
    }
  }
  return out;
}

/** What a reader compares of a decision: the detail without the ids derived from the raise itself. */
const comparable = (event: DeliveredEvent) => JSON.stringify({ ...(event.detail as Record<string, unknown>), alertId: undefined });

export interface BacktestDiff {
  readonly appeared: string[];
  readonly disappeared: string[];
  readonly changed: string[];
  readonly unchanged: number;
}

/** Alerts and proposals of `candidate` against `baseline`, each listed once, in time order. */
export function diffBacktests(baseline: readonly DeliveredEvent[], candidate: readonly DeliveredEvent[]): BacktestDiff {
  const before = keyed(baseline);
  const after = keyed(candidate);
  const appeared: string[] = [];
  const changed: string[] = [];
  let unchanged = 0;
  for (const [id, entry] of after) {
    const old = before.get(id);
    if (!old) appeared.push(entry.label);
    else if (comparable(old.event) !== comparable(entry.event)) changed.push(`${entry.label}\n      was: ${old.label}`);
    else unchanged += 1;
  }
  const disappeared = [...before].filter(([id]) => !after.has(id)).map(([, entry]) => entry.label);
  return { appeared, disappeared, changed, unchanged };
}

export function describeDiff(diff: BacktestDiff, names: { baseline: string; candidate: string }): string {
  const section = (title: string, mark: string, lines: readonly string[]) =>
    lines.length === 0 ? [] : [`${title} (${lines.length}):`, ...lines.map((l) => `  ${mark} ${l}`)];
  return [
    `${names.candidate} against ${names.baseline}: ${diff.appeared.length} appear, ${diff.disappeared.length} disappear, ${diff.changed.length} change, ${diff.unchanged} unchanged`,
    ...section('appear', '+', diff.appeared),
    ...section('disappear', '-', diff.disappeared),
    ...section('change', '~', diff.changed),
  ].join('\n');
}
