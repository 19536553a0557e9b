import { formatMoney } from '../shared/kernel/money.ts';
import { MONEY_FIELDS, rollUpDays, type Totals } from '../shared/domain/aggregation.ts';
import { type Admission, admit } from '../shared/domain/admission.ts';
import { retainUntilMs, type SentinelConfig } from '../shared/domain/config.ts';
import { parseInstant } from '../shared/kernel/time.ts';
import { LocalPipeline, type PipelineOptions } from './pipeline.ts';
import { type ScheduledPipeline, ScheduledRunner } from './runner.ts';
import type { AggregateReader, IntakeLog, IntakeReader } from '../shared/app/ports.ts';

/** The per-day fields of the replay summary, in the order SPEC §6 lists them. */
export const SUMMARY_DAY_FIELDS = [
  'gmv',
  'orders',
  'units',
  'refunds',
  'refundCount',
  'spend',
  'impressions',
  'clicks',
  'reportedConversions',
  'visits',
] as const;

export type SummaryDay = Record<(typeof SUMMARY_DAY_FIELDS)[number], string | number>;

export interface ReplaySummary {
  channels: Record<string, { days: Record<string, SummaryDay> }>;
  /** `superseded`: reports accepted with an older asOf than the one in force (a subset of `accepted`). */
  events: { received: number; accepted: number; superseded: number; duplicates: number; quarantined: number };
  quarantine: { line: number; eventId: string | null; reason: string }[];
}

export interface ReplayProgress {
  readonly linesDone: number;
  readonly linesTotal: number;
  readonly elapsedMs: number;
}

export interface ReplayOptions extends Omit<PipelineOptions, 'config'> {
  readonly config: unknown;
  /** The replay file's lines, in file order (= arrival order). */
  readonly lines: readonly string[];
  /** Receives each emitted outbound event as one NDJSON line. */
  readonly emit?: (line: string) => void;
  readonly onProgress?: (progress: ReplayProgress) => void;
  /** Messages per ingest batch (SQS batch size). */
  readonly batchSize?: number;
  /** Runs against the replayed pipeline before it stops (the demo reviews its proposal here). */
  readonly afterReplay?: (pipeline: LocalPipeline) => Promise<void>;
  /**
   * What people do at given moments of the simulated clock (the demo's on-call acknowledging an alert): each runs
   * once the clock reaches `atMs`, after everything that arrived before it has been ingested and aggregated.
   */
  readonly actions?: readonly ReplayAction[];
  /** Called with the pipeline once it has started (for actions that act on it). */
  readonly onStart?: (pipeline: LocalPipeline) => void;
}

export interface ReplayAction {
  readonly atMs: number;
  readonly run: () => Promise<void>;
}

/** A replay line's identity and arrival time, read leniently: the pipeline itself does the real validation. */
function peek(line: string): { parsed: unknown; key?: string; timeMs?: number } {
  try {
    const parsed = JSON.parse(line) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return { parsed };
    const envelope = parsed as { time?: unknown; detail?: { channelId?: unknown; eventId?: unknown } };
    const timeMs = typeof envelope.time === 'string' ? (parseInstant(envelope.time) ?? undefined) : undefined;
    const key =
      envelope.detail && typeof envelope.detail === 'object' ? `${String(envelope.detail.channelId)}\u0000${String(envelope.detail.eventId)}` : undefined;
    return { parsed, ...(key === undefined ? {} : { key }), ...(timeMs === undefined ? {} : { timeMs }) };
  } catch {
    return { parsed: undefined };
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const messageIdOfLine = (line: number) => `line-${line}`;
const lineOfMessageId = (messageId: string) => Number(messageId.replace(/^line-/, ''));

/** What `feed` drives and then summarises: a scheduled pipeline with its router, intake log and aggregates. */
export interface ReplayTarget extends ScheduledPipeline {
  /** At the end of the input: revisions of the reviews late events changed, and the open week and month to date. */
  reviseReviews(): Promise<unknown>;
  routesToIngest(event: unknown): boolean;
  /** Decides a line's admission (the pipeline may keep the decision for its ingest); {@link admit} when absent. */
  admit?(line: string, config: SentinelConfig, parsed?: { readonly value: unknown }): Admission;
  readonly intake: IntakeLog & IntakeReader;
  readonly aggregates: AggregateReader;
}

/**
 * Feeds the lines through `target` in file order as arrival order, and summarises what it stored. A batch is cut
 * before a line whose (channel, eventId) the batch already holds, so a later copy can never overtake an earlier one
 * and "the first one stays" means the first line. The simulated clock is the latest `time` of an admissible line; other lines
 * arrive at the current clock. The scheduled sweep runs at every 15-minute mark the clock crosses, after everything
 * that arrived before it, and the daily proposal job at every business-day midnight it crosses.
 */
export async function feed(target: ReplayTarget, options: Pick<ReplayOptions, 'lines' | 'onProgress' | 'batchSize' | 'actions'>): Promise<ReplaySummary> {
  const started = Date.now();
  const runner = new ScheduledRunner(target, { batchSize: options.batchSize ?? 100 });
  const actions = [...(options.actions ?? [])].sort((a, b) => a.atMs - b.atMs);
  /** Runs the actions due by `untilMs`, each at its own moment of the clock, after what arrived before it. */
  const actUntil = async (untilMs: number) => {
    while (actions.length > 0 && (actions[0] as ReplayAction).atMs <= untilMs) {
      const action = actions.shift() as ReplayAction;
      if (action.atMs > runner.clockMs) await runner.advanceClock(action.atMs);
      await runner.flush();
      await target.aggregate();
      await action.run();
    }
  };
  let received = 0;
  for (let index = 0; index < options.lines.length; index++) {
    const line = options.lines[index] as string;
    if (line.trim() === '') continue;
    received += 1;
    const lineNumber = index + 1;
    const { parsed, key, timeMs } = peek(line);
    // Parsed once: admission reads the same value rather than parsing the line again (JSON.parse never yields undefined).
    const parsedLine = parsed === undefined ? undefined : { value: parsed };
    // The clock moves only for an event that would be admitted: a malformed line, one in the future or past the
    // lateness window, or one for an unknown channel never drags replay through years of sweeps.
    if (timeMs !== undefined && timeMs > runner.clockMs && (target.admit?.(line, target.config, parsedLine) ?? admit(line, target.config, parsedLine)).ok) {
      await actUntil(timeMs);
      await runner.advanceClock(timeMs);
    }
    // Only an object is an event the bus can route; any other JSON value goes to ingest, which refuses it with a reason.
    if (isObject(parsed) && !target.routesToIngest(parsed)) {
      // The bus would deliver this event to no rule of ours; it is counted and quarantined, never dropped.
      const detail = (parsed as { detail?: unknown }).detail;
      const eventId = isObject(detail) ? detail.eventId : undefined;
      await target.intake.quarantine({
        messageId: messageIdOfLine(lineNumber),
        reason: 'unknown_detail_type',
        message: 'no rule on the bus routes this event to ingest',
        payload: line,
        atMs: runner.clockMs,
        retainUntilMs: retainUntilMs(target.config, 'logs', runner.clockMs),
        ...(typeof eventId === 'string' ? { eventId } : {}),
      });
      continue;
    }
    await runner.offer({ message: { messageId: messageIdOfLine(lineNumber), body: line, sentAtMs: runner.clockMs }, ...(key === undefined ? {} : { key }) });
    if (options.onProgress && received % 1000 === 0)
      options.onProgress({ linesDone: index + 1, linesTotal: options.lines.length, elapsedMs: Date.now() - started });
  }
  await runner.flush();
  await target.aggregate();
  // What arrived late for days whose reviews are out, counted in revisions of them (the deployed job's next run);
  // the week and month still open, reviewed to date.
  await target.reviseReviews();
  options.onProgress?.({ linesDone: options.lines.length, linesTotal: options.lines.length, elapsedMs: Date.now() - started });
  return summarise(target, received);
}

/** `sentinel replay`: {@link feed} through the real pipeline on a fresh DynamoDB Local. */
export async function replay(options: ReplayOptions): Promise<ReplaySummary> {
  const pipeline = await LocalPipeline.start({ ...options, deliver: (event) => options.emit?.(JSON.stringify(event)) });
  options.onStart?.(pipeline);
  try {
    const summary = await feed(pipeline, options);
    await options.afterReplay?.(pipeline);
    return summary;
  } finally {
    await pipeline.stop();
  }
}

function summaryDay(totals: Totals, currency: string): SummaryDay {
  const day = {} as SummaryDay;
  for (const field of SUMMARY_DAY_FIELDS) day[field] = MONEY_FIELDS.has(field) ? formatMoney(totals[field], currency) : Number(totals[field]);
  return day;
}

async function summarise(pipeline: ReplayTarget, received: number): Promise<ReplaySummary> {
  const channels: ReplaySummary['channels'] = {};
  let accepted = 0n;
  for (const channel of pipeline.config.channels) {
    const days = [...rollUpDays(await pipeline.aggregates.hours(channel.id)).entries()];
    channels[channel.id] = { days: Object.fromEntries(days.map(([day, totals]) => [day, summaryDay(totals, channel.currency)])) };
    for (const [, totals] of days) accepted += totals.events;
  }
  const quarantined = await pipeline.intake.quarantined();
  const duplicates = await pipeline.intake.duplicates();
  // Superseded reports are accepted but in no aggregate: counted beside them.
  const superseded = (await pipeline.intake.supersededReports()).length;
  const quarantine = quarantined
    .map((q) => ({ line: lineOfMessageId(q.messageId), eventId: q.eventId ?? null, reason: q.reason }))
    .sort((a, b) => a.line - b.line);
  const summary: ReplaySummary = {
    channels,
    events: { received, accepted: Number(accepted) + superseded, superseded, duplicates: duplicates.length, quarantined: quarantine.length },
    quarantine,
  };
  const accounted = summary.events.accepted + summary.events.duplicates + summary.events.quarantined;
  if (accounted !== received) {
    throw new Error(`replay lost track of events: received ${received} but accepted + duplicates + quarantined = ${accounted}`);
  }
  return summary;
}
