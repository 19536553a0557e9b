/**
 * Proposals and budgets in plain words, for the terminal: what finance reads before approving. Works on the finance
 * API's JSON (the same view the console shows), so the CLI and the demo say exactly what the API says.
 */
import type { proposalView } from '../functions/finance/finance.ts';
import { bucketOf } from '../shared/kernel/time.ts';

export type ProposalView = ReturnType<typeof proposalView>;

const grouped = (text: string) => {
  const [whole = '', fraction] = text.replace(/^-/, '').split('.');
  const withCommas = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  return `${text.startsWith('-') ? '-' : ''}${withCommas}${fraction && !/^0+$/.test(fraction) ? `.${fraction}` : ''}`;
};
const ratio = (x: number | null) => (x === null ? '—' : x.toFixed(2));
const localTime = (iso: string, timezone: string) => {
  const b = bucketOf(Date.parse(iso), timezone);
  const minutes = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, minute: '2-digit' }).format(new Date(iso)).padStart(2, '0');
  return `${b.day} ${b.hour.slice(11, 13)}:${minutes}`;
};

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)];
}

/** One proposal: the verdict first, then the money, then each channel's reasoning, then who decided. */
export function describeProposal(p: ProposalView): string {
  const tz = p.basis.timezone;
  const cur = p.currency;
  const out: string[] = [];
  out.push(`Proposal ${p.proposalId} — ${p.status.toUpperCase()}`);
  out.push(`  created ${localTime(p.createdAt, tz)}, expires ${localTime(p.expiresAt, tz)} (${tz}); computed against budgets ${p.budgetsVersion}`);
  out.push(`  based on the ${p.basis.days} business days ${p.basis.from} … ${p.basis.to}`);
  out.push('');
  for (const m of p.moves) out.push(`  Move ${grouped(m.amount)} ${cur} of daily budget from ${m.fromChannelId} to ${m.toChannelId}.`);
  out.push(
    `  Expected gain: +${grouped(p.expectedGain.amount)} ${cur} GMV a day (90 % range ${grouped(p.expectedGain.low)} to ${grouped(p.expectedGain.high)}).`,
  );
  if (p.gainMiddle !== undefined)
    out.push(
      `  The curves' middle says +${grouped(p.gainMiddle)}; stated lower because a gain this close to its own noise is usually flattered by having been proposed.`,
    );
  out.push('');
  const before = new Map(p.budgets.map((b) => [b.channelId, b]));
  const rows = p.channels.map((c) => {
    const b = before.get(c.channelId);
    const model =
      c.model === null
        ? 'none'
        : c.model === 'fallback'
          ? 'not learned'
          : `${c.model === 'saturating' ? 'saturating' : 'power'} e=${ratio(c.elasticity)} R²=${ratio(c.r2)}`;
    return [
      c.channelId,
      b ? `${grouped(b.before)} → ${grouped(b.after)}` : 'unchanged',
      ratio(c.marginalRoi),
      ratio(c.marginalRoiAfter),
      ratio(c.averageRoi),
      `${c.days} d`,
      `${grouped(c.meanDailySpend)}`,
      model,
      c.directionConfidence === undefined ? '' : `${Math.round(c.directionConfidence * 100)} %`,
      c.decision.replace('_', ' '),
    ];
  });
  out.push(
    ...table(['channel', `daily budget (${cur})`, 'marginal ROI', 'after', 'avg ROI', 'data', 'avg spend/day', 'model', 'sure', 'decision'], rows).map(
      (l) => `  ${l}`,
    ),
  );
  const notes = p.channels.filter((c) => c.why || c.modelNote);
  if (notes.length > 0) {
    out.push('');
    for (const c of notes) out.push(`  ${c.channelId}: ${c.why ?? c.modelNote}`);
  }
  for (const t of p.spendTests ?? []) {
    out.push('');
    out.push(
      `  Suggested spend test: vary ${t.channelId}'s daily budget between ${grouped(t.low)} and ${grouped(t.high)} ${cur} for the next ${t.days} days, so its curve can be learned.`,
    );
  }
  out.push('');
  out.push("  Marginal ROI is the GMV one more unit of daily budget brings at today's budget (spend follows the budget at the");
  out.push("  channel's usual share of it), from the curve that predicted left-out days best: power GMV = a·spend^e or");
  out.push("  saturating GMV = β·tanh(λ·spend/2). 'sure': the share of plans re-made under the curves its days allow moving it the same way.");
  if (p.decision) {
    const d = p.decision;
    out.push('');
    out.push(
      `  ${d.outcome.toUpperCase()} by ${d.by} at ${localTime(d.at, tz)}${d.reason ? `: "${d.reason}"` : ''}${d.supersededBy ? ` (superseded by ${d.supersededBy})` : ''}${d.budgetsVersion ? `; budgets now ${d.budgetsVersion}` : ''}`,
    );
  }
  if (p.outcome) {
    const o = p.outcome;
    out.push('');
    out.push(
      `  REVIEWED after ${o.window.days} business days in force (${o.window.from} … ${o.window.to}): realised ${o.realised.amount.startsWith('-') ? '' : '+'}${grouped(o.realised.amount)} ${cur} GMV a day ` +
        `against predicted +${grouped(o.predicted.amount)} (range ${grouped(o.predicted.low)} to ${grouped(o.predicted.high)}) — ${o.withinRange ? 'inside' : 'OUTSIDE'} the range.`,
    );
    out.push(
      `  ${o.realised.method === 'against_unmoved_channels' ? `Measured against the unmoved channels (${o.realised.control.join(', ')}), whose GMV changed ${((o.realised.controlChange ?? 0) * 100).toFixed(1)} % meanwhile.` : 'Measured before/after (no unmoved channel of this currency to compare with).'}`,
    );
    for (const c of o.channels)
      out.push(
        `    ${c.channelId}: ${grouped(c.gmvPerDayBefore)} → ${grouped(c.gmvPerDayAfter)} ${cur}/day, ${c.change.startsWith('-') ? '' : '+'}${grouped(c.change)} after the market's own change${c.movedAsExpected ? '' : ' (not the way its budget moved)'}`,
      );
    out.push(`  Calibration: ${o.calibration.map((c) => `${c.channelId} ${c.withinRange} of ${c.reviews} inside`).join(', ')}.`);
  }
  return out.join('\n');
}

/** One line per proposal, newest first. */
export function describeProposalList(list: readonly ProposalView[]): string {
  if (list.length === 0) return 'No proposals.';
  return table(
    ['proposal', 'status', 'created', 'moves', 'budget moved/day', 'expected gain/day'],
    list.map((p) => {
      const moved = p.moves.reduce((s, m) => s + Number(m.amount), 0);
      return [
        p.proposalId,
        p.status,
        localTime(p.createdAt, p.basis.timezone),
        String(p.moves.length),
        `${grouped(moved.toFixed(2))} ${p.currency}`,
        `+${grouped(p.expectedGain.amount)} ${p.currency}`,
      ];
    }),
  ).join('\n');
}

export interface BudgetsView {
  readonly version: string;
  readonly channels: { channelId: string; currency: string; daily: string; configured: string; source: string }[];
}

export function describeBudgets(b: BudgetsView): string {
  return [
    `Daily budgets in force (version ${b.version})`,
    ...table(
      ['channel', 'daily budget', 'configured', 'source'],
      b.channels.map((c) => [c.channelId, `${grouped(c.daily)} ${c.currency}`, grouped(c.configured), c.source]),
    ),
  ].join('\n');
}
