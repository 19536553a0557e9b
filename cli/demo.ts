import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateDemo, type Incident, matchIncidents } from '../local/demo-scenario.ts';
import type { DeliveredEvent } from '../local/local-publisher.ts';
import { type ReplayAction, type ReplaySummary, replay, SUMMARY_DAY_FIELDS } from '../local/replay.ts';
import { MONEY_FIELDS } from '../shared/domain/aggregation.ts';
import { formatMoney, parseMoney } from '../shared/kernel/money.ts';
import { progressPrinter } from './progress.ts';
import { type BudgetsView, describeBudgets, describeProposal, describeProposalList, type ProposalView } from './proposal-text.ts';
import { FINANCE_ROLE, type LocalPipeline } from '../local/pipeline.ts';
import { acknowledgingOf } from '../shared/runtime/compose.ts';
import type { ReviewPublishedDetail } from '../events/outbound.ts';
import { reviewText } from '../shared/domain/reviews/text.ts';

export interface DemoRun {
  readonly seed: number;
  readonly days: number;
  readonly volume: number;
  readonly dir: string;
}

const minor = (text: string | number) => {
  const parsed = parseMoney(text, 'CNY');
  if (!parsed.ok) throw new Error(`summary amount ${text} is not CNY: ${parsed.reason}`);
  return parsed.minor;
};
const grouped = (digits: string) => digits.replace(/\B(?=(\d{3})+$)/g, ',');
const money = (fen: bigint) => `¥${grouped((fen / 100n).toString())}`;
const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
const times = (x: number | null) => (x === null ? '—' : `${x.toFixed(2)}`);
const div = (a: bigint, b: bigint) => (b === 0n ? null : Number(a) / Number(b));

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

interface Sums {
  gmv: bigint;
  orders: bigint;
  visits: bigint;
  spend: bigint;
  refunds: bigint;
  refundCount: bigint;
}
const sumDays = (days: ReplaySummary['channels'][string]['days'], only?: string): Sums => {
  const s: Sums = { gmv: 0n, orders: 0n, visits: 0n, spend: 0n, refunds: 0n, refundCount: 0n };
  for (const [day, d] of Object.entries(days)) {
    if (only && day !== only) continue;
    s.gmv += minor(d.gmv);
    s.spend += minor(d.spend);
    s.refunds += minor(d.refunds);
    s.orders += BigInt(d.orders);
    s.visits += BigInt(d.visits);
    s.refundCount += BigInt(d.refundCount);
  }
  return s;
};

/** `npm run demo`: the scenario generated, replayed through the real pipeline, and read back as KPIs. */
export async function runDemo(run: DemoRun): Promise<void> {
  const scenario = generateDemo({ seed: run.seed, days: run.days, volume: run.volume });
  mkdirSync(run.dir, { recursive: true });
  const configPath = join(run.dir, 'config.json');
  const eventsPath = join(run.dir, 'events.ndjson');
  const summaryPath = join(run.dir, 'summary.json');
  writeFileSync(configPath, `${JSON.stringify(scenario.config, null, 2)}\n`);
  writeFileSync(eventsPath, scenario.lines.map((l) => `${l}\n`).join(''));
  process.stdout.write(`Demo scenario: ${scenario.lines.length} deliveries over ${run.days} business days, 7 channels (seed ${run.seed})\n`);
  process.stdout.write(
    `  written to ${configPath} and ${eventsPath}\n  (replay them yourself: npx sentinel replay --config ${configPath} --events ${eventsPath} --summary ${summaryPath})\n\n`,
  );

  const outbound: DeliveredEvent[] = [];
  let review = '';
  let running: LocalPipeline | undefined;
  const summary = await replay({
    config: scenario.config,
    lines: scenario.lines,
    emit: (line) => outbound.push(JSON.parse(line) as DeliveredEvent),
    onProgress: progressPrinter('replaying'),
    afterReplay: async (pipeline) => {
      review = await reviewProposal(pipeline);
    },
    onStart: (pipeline) => {
      running = pipeline;
    },
    actions: [...onCall(() => running, scenario.incidents), ...earlyApproval(() => running)],
  });
  writeFileSync(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(join(run.dir, 'alerts.ndjson'), outbound.map((e) => `${JSON.stringify(e)}\n`).join(''));

  const names = new Map((scenario.config.channels as { id: string; name: string }[]).map((c) => [c.id, c.name]));
  const rows = Object.entries(summary.channels).map(([id, { days }]) => {
    const s = sumDays(days);
    return [
      `${id}  ${names.get(id) ?? ''}`,
      money(s.gmv),
      String(s.orders),
      money(s.orders === 0n ? 0n : s.gmv / s.orders),
      pct(div(s.orders, s.visits)),
      money(s.spend),
      times(div(s.gmv, s.spend)),
      `${money(s.refunds)} (${pct(div(s.refunds, s.gmv))})`,
    ];
  });
  const total = Object.values(summary.channels).reduce<Sums>(
    (acc, { days }) => {
      const s = sumDays(days);
      return {
        gmv: acc.gmv + s.gmv,
        orders: acc.orders + s.orders,
        visits: acc.visits + s.visits,
        spend: acc.spend + s.spend,
        refunds: acc.refunds + s.refunds,
        refundCount: acc.refundCount + s.refundCount,
      };
    },
    { gmv: 0n, orders: 0n, visits: 0n, spend: 0n, refunds: 0n, refundCount: 0n },
  );
  rows.push([
    'All channels',
    money(total.gmv),
    String(total.orders),
    money(total.orders === 0n ? 0n : total.gmv / total.orders),
    pct(div(total.orders, total.visits)),
    money(total.spend),
    times(div(total.gmv, total.spend)),
    `${money(total.refunds)} (${pct(div(total.refunds, total.gmv))})`,
  ]);
  process.stdout.write(`\nChannel KPIs over ${run.days} business days (Asia/Shanghai)\n`);
  process.stdout.write(`${table(['channel', 'GMV', 'orders', 'AOV', 'conversion', 'ad spend', 'ROI', 'refunds (rate)'], rows)}\n`);

  const allDays = [...new Set(Object.values(summary.channels).flatMap((c) => Object.keys(c.days)))].sort();
  const dayRows = allDays.map((day) => {
    const s = Object.values(summary.channels)
      .map((c) => sumDays(c.days, day))
      .reduce((a, b) => ({
        gmv: a.gmv + b.gmv,
        orders: a.orders + b.orders,
        visits: a.visits + b.visits,
        spend: a.spend + b.spend,
        refunds: a.refunds + b.refunds,
        refundCount: a.refundCount + b.refundCount,
      }));
    return [day, money(s.gmv), String(s.orders), money(s.spend), times(div(s.gmv, s.spend))];
  });
  process.stdout.write(`\nBy business day, all channels\n${table(['day', 'GMV', 'orders', 'ad spend', 'ROI'], dayRows)}\n`);

  const e = summary.events;
  const byReason = new Map<string, number>();
  for (const q of summary.quarantine) byReason.set(q.reason, (byReason.get(q.reason) ?? 0) + 1);
  process.stdout.write(`\nDeliveries: ${e.received} received = ${e.accepted} accepted + ${e.duplicates} duplicates dropped + ${e.quarantined} quarantined\n`);
  process.stdout.write(`Quarantine by reason: ${[...byReason.entries()].map(([r, n]) => `${r} ${n}`).join(', ') || 'none'}\n`);

  // The first promise, checked on the spot: what the pipeline stored equals a plain sum over distinct valid events.
  const mismatches: string[] = [];
  for (const [channelId, byDay] of scenario.expected) {
    for (const [day, totals] of byDay) {
      const got = summary.channels[channelId]?.days[day];
      for (const field of SUMMARY_DAY_FIELDS) {
        const want = MONEY_FIELDS.has(field) ? formatMoney(totals[field], 'CNY') : Number(totals[field]);
        if (got?.[field] !== want) mismatches.push(`${channelId} ${day} ${field}: stored ${got?.[field]}, reference ${want}`);
      }
    }
  }
  const quarantineOk =
    summary.quarantine.length === scenario.expectedQuarantine.size && summary.quarantine.every((q) => scenario.expectedQuarantine.get(q.line) === q.reason);
  if (mismatches.length > 0 || !quarantineOk || e.duplicates !== scenario.expectedDuplicates) {
    process.stdout.write(`\n✗ The stored aggregates differ from the reference sum:\n${mismatches.slice(0, 20).join('\n')}\n`);
    throw new Error('demo aggregates do not match the reference');
  }
  process.stdout.write(
    `✓ Every aggregate equals the reference sum over distinct accepted events, to the fen; every refused delivery is quarantined with its reason.\n`,
  );
  printAlerts(
    outbound.filter((e) => e.detail.alertId !== undefined),
    scenario.incidents,
  );
  process.stdout.write(review);
  printReviews(outbound, scenario.incidents);
  process.stdout.write(`\nSummary JSON: ${summaryPath}; outbound events: ${join(run.dir, 'alerts.ndjson')}\n`);
  process.stdout.write(
    `To review proposals yourself: npx sentinel replay --config ${configPath} --events ${eventsPath} --data .sentinel/data --out /dev/null\n  then: npx sentinel proposals list | show ID | approve ID --at ${new Date(Date.parse('2025-11-14T12:00:00+08:00')).toISOString()} | reject ID --reason TEXT\n`,
  );
}

/** The demo scenario's first business day (generateDemo's default). */
const DEMO_START = '2025-11-01';

/**
 * The reviews the job published (each period's latest revision; the open week and month to date at the end), the
 * month in full, and each staged incident found in its rectification log.
 */
function printReviews(outbound: readonly DeliveredEvent[], incidents: readonly Incident[]) {
  const latest = new Map<string, ReviewPublishedDetail>();
  for (const e of outbound) if (e['detail-type'] === 'Review Published') latest.set(String(e.detail.reviewId), e.detail as unknown as ReviewPublishedDetail);
  const reviews = [...latest.values()];
  const count = (period: string) => reviews.filter((r) => r.period === period).length;
  const revised = reviews.filter((r) => r.revision > 0).length;
  process.stdout.write(
    `\nReviews published: ${count('day')} daily, ${count('week')} weekly, ${count('month')} monthly (${revised} revised when late events changed their figures)\n`,
  );
  for (const r of reviews.filter((x) => x.period !== 'day')) process.stdout.write(`  ${r.reviewId}: ${r.summary}\n`);
  // The month so far, published at the end of the replay (to date: the month has not closed).
  const month = latest.get(`rev-month-${DEMO_START.slice(0, 8)}01`);
  if (!month) return;
  process.stdout.write(`\n${reviewText(month, month.locale)}`);
  const logged = (incident: Incident) =>
    month.incidents.some(
      (i) =>
        i.rule === incident.rule &&
        i.channelId === incident.channelId &&
        Object.entries(incident.subject).every(([k, v]) => (i as Record<string, unknown>)[k] === v),
    );
  const missing = incidents.filter((i) => !logged(i));
  process.stdout.write(
    missing.length === 0
      ? `✓ Every staged incident is in the month's rectification log, with its impact and what was done.\n`
      : `✗ Not in the rectification log: ${missing.map((i) => i.description).join('; ')}\n`,
  );
  process.stdout.write(`  (the same in Chinese: npx sentinel report --period month --at ${DEMO_START} --locale zh-CN, after a replay with --data)\n`);
}

/**
 * The finance review of the scenario: every proposal the daily job made, the one approved inside the history with its
 * check against what happened, the pending one in full, approved.
 */
/**
 * The on-call person at work in the demo: late on the day the Douyin live room's ROI collapse is caught, they take
 * on its alert (as from the console's Acknowledge button), so the timeline shows the acknowledgement too.
 */
function onCall(pipeline: () => LocalPipeline | undefined, incidents: readonly Incident[]): ReplayAction[] {
  const incident = incidents.find((i) => i.rule === 'roi_drop' && i.channelId === 'douyin-live');
  if (!incident) return [];
  return [
    {
      atMs: Date.parse(`${incident.raisedBetween[1]}T22:00:00+08:00`),
      run: async () => {
        const p = pipeline();
        if (!p) return;
        const firing = (await p.alerts.list(incident.channelId)).alerts.find((a) => a.state.rule === incident.rule && a.state.status === 'firing');
        if (!firing) return;
        await acknowledgingOf(p.wiring)(
          p.config,
          { alertId: firing.state.alertId, channelId: incident.channelId, by: 'ops-demo', note: 'host replaced; MCN agency briefed, watching ROI hourly' },
          p.nowMs,
        );
      },
    },
  ];
}

/**
 * The mornings finance looks at the pending proposal in the demo (10:00 in the business timezone): the first proposal
 * still pending on one of them is approved, whichever closed day the planner first found something worth moving on.
 */
const APPROVAL_MORNINGS = ['2025-11-08', '2025-11-09', '2025-11-10', '2025-11-11'].map((day) => `${day}T10:00:00+08:00`);

/**
 * Finance at work inside the history: the first proposal is approved the morning after it was made, so the history
 * shows the budgets in force changing and — after the scenario's `reviewAfterDays` — the daily job checking that
 * proposal against what happened (`Budget Reallocation Reviewed`).
 */
function earlyApproval(pipeline: () => LocalPipeline | undefined): ReplayAction[] {
  let approved = false;
  return APPROVAL_MORNINGS.map((at) => ({
    atMs: Date.parse(at),
    run: async () => {
      const p = pipeline();
      if (!p || approved) return;
      const call = financeDemo(p);
      const first = ((await call('GET', '/proposals')).body.proposals as ProposalView[]).find((proposal) => proposal.status === 'pending');
      if (!first) return;
      const answer = await call(
        'POST',
        `/proposals/${first.proposalId}/approve`,
        JSON.stringify({ reason: 'demo: approved the morning after; reviewed once in force' }),
      );
      if (answer.statusCode === 200) approved = true;
      else process.stderr.write(`demo: the early approval was refused (${answer.statusCode}): ${JSON.stringify(answer.body)}\n`);
    },
  }));
}

/** The demo's finance reviewer calling the deployed finance handler: the status code and the parsed body. */
function financeDemo(pipeline: LocalPipeline) {
  const caller = { principal: 'finance-demo', roles: [FINANCE_ROLE] };
  return async (method: string, path: string, body?: string) => {
    const answer = await pipeline.finance({ method, path, caller, ...(body === undefined ? {} : { body }) });
    return { statusCode: answer.statusCode, body: JSON.parse(answer.body ?? '{}') as Record<string, unknown> };
  };
}

async function reviewProposal(pipeline: LocalPipeline): Promise<string> {
  const finance = financeDemo(pipeline);
  const call = async (method: string, path: string, body?: string) => (await finance(method, path, body)).body;
  const all = (await call('GET', '/proposals')).proposals as ProposalView[];
  const out: string[] = ['', 'Budget reallocation (the daily job after each business day closed)', describeProposalList(all), ''];
  // The loop closed: the proposal finance approved inside the history, checked against what happened once in force.
  for (const reviewed of all.filter((p) => p.outcome))
    out.push(
      describeProposal(reviewed),
      "  (The demo's history was generated before the replay, so its spend and sales do not follow the approved budgets:",
      '  this check shows the mechanism — prediction, control channels, range, calibration — not whether the move paid.)',
      '',
    );
  const pending = all.find((p) => p.status === 'pending');
  if (!pending) return [...out, 'No proposal is pending: nothing to approve.', ''].join('\n');
  out.push(describeProposal(pending), '', describeBudgets((await call('GET', '/budgets')) as unknown as BudgetsView), '');
  const approved = await call('POST', `/proposals/${pending.proposalId}/approve`, JSON.stringify({ reason: 'demo: marginal ROI case reviewed' }));
  out.push(
    approved.status === 'approved'
      ? `✓ Approved ${pending.proposalId} as finance-demo; the new budgets apply at once (pacing judges them).`
      : `✗ Approval refused: ${String(approved.message)}`,
  );
  out.push('', describeBudgets((await call('GET', '/budgets')) as unknown as BudgetsView), '');
  return out.join('\n');
}

const shanghaiTime = (iso: string) => new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(5, 16).replace('T', ' ');

/** The alert timeline, then each staged incident matched to the alert that caught it, and anything else that fired. */
function printAlerts(outbound: readonly DeliveredEvent[], incidents: readonly Incident[]) {
  process.stdout.write(`\nAlert timeline (Asia/Shanghai)\n`);
  const raisedById = new Map<string, DeliveredEvent>();
  for (const e of outbound) {
    const d = e.detail as Record<string, string | number | undefined>;
    if (e['detail-type'] === 'Alert Raised') raisedById.set(String(d.alertId), e);
    const raised = raisedById.get(String(d.alertId))?.detail as Record<string, string | undefined> | undefined;
    const subject = [d.storeId ?? raised?.storeId, d.sku ?? raised?.sku, d.region ?? raised?.region, d.period ?? raised?.period, d.basis ?? raised?.basis]
      .filter(Boolean)
      .join(' ');
    const type = e['detail-type'];
    const what = (
      type === 'Alert Raised'
        ? `RAISED    ${String(d.severity)}`
        : type === 'Alert Escalated'
          ? `ESCALATED ${String(d.severity)}`
          : type === 'Alert Acknowledged'
            ? 'ACKED'
            : 'RESOLVED'
    ).padEnd(18);
    const impact = d.impact as { amount: string; currency: string } | undefined;
    const text =
      type === 'Alert Resolved'
        ? String(d.reason)
        : type === 'Alert Acknowledged'
          ? `by ${String(d.acknowledgedBy)}: “${String(d.note ?? '')}”`
          : `${String(d.summary)}${impact ? ` [at risk ${impact.amount} ${impact.currency}]` : ''}`;
    process.stdout.write(`${shanghaiTime(e.time)}  ${what} ${String(d.rule).padEnd(19)} ${String(d.channelId).padEnd(12)} ${subject.padEnd(22)} ${text}\n`);
  }
  const { caught, unexplained } = matchIncidents(outbound, incidents);
  process.stdout.write(`\nStaged incidents\n`);
  for (const incident of incidents)
    process.stdout.write(`  ${(caught.get(incident)?.length ?? 0) > 0 ? '✓ caught' : '✗ MISSED'}  ${incident.description} (${incident.rule})\n`);
  process.stdout.write(unexplained.length === 0 ? '  ✓ nothing else fired\n' : `  ✗ ${unexplained.length} alert(s) fired outside the staged incidents\n`);
}
