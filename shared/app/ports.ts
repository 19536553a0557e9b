/**
 * The ports of the application layer: what the use cases need from storage, the bus and secrets, and nothing about
 * how it is done. `shared/adapters/` implements them on DynamoDB, EventBridge and Secrets Manager; `local/` and the
 * tests implement some of them in memory. Ports speak the domain's types, never storage keys or SDK types.
 */
import type { RejectionReason } from '../domain/admission.ts';
import type { Totals } from '../domain/aggregation.ts';
import type { HourSums } from '../domain/hour-sums.ts';
import type { AlertState } from '../domain/alerts/alert.ts';
import type { BudgetBook } from '../domain/budgets/book.ts';
import type { Decision, ProposalRecord, ProposalStatus } from '../domain/budgets/proposal.ts';
import type { AdAccountSource, SentinelConfig, StoredSilence } from '../domain/config.ts';
import type { BucketDelta } from '../domain/aggregation.ts';
import type { ReviewPublishedDetail } from '../../events/outbound.ts';

// ── Events and intake ───────────────────────────────────────────────────────────────────────────────────

export interface StoredEvent {
  readonly channelId: string;
  readonly eventId: string;
  /** Canonical content (see `encodeEvent`). */
  readonly encoded: string;
  /** Business hour bucket `YYYY-MM-DDTHH`; the day is its first ten characters. */
  readonly hour: string;
  readonly arrivedAtMs: number;
  /** When the stored event may be deleted (the configured retention after arrival). */
  readonly retainUntilMs: number;
}

export type PutOutcome = { readonly kind: 'stored' } | { readonly kind: 'exists'; readonly encoded: string };

/** A restated report (`Ad Spend Reported`) to store: the event, and the campaign-day it is the report of. */
export interface StoredReport extends StoredEvent {
  readonly campaignId: string;
  /** The business day the totals are for. */
  readonly date: string;
  /** The report's `asOf`, epoch ms: the newest one is the campaign-day's report in force. */
  readonly asOfMs: number;
}

export type ReportPutOutcome =
  /** Stored, and now the campaign-day's report in force: the store's stream carries it with the report it replaced. */
  | { readonly kind: 'in_force' }
  /** `(channelId, eventId)` is already stored (nothing written): what is stored. */
  | { readonly kind: 'exists'; readonly encoded: string }
  /** The campaign-day's report in force is at least as new (nothing written): that report. */
  | { readonly kind: 'not_newer'; readonly encoded: string };

/** Port: the event store, where each accepted event is written exactly once. */
export interface EventStore {
  /** Stores the event unless `(channelId, eventId)` is already stored; then returns what is stored. */
  putIfAbsent(event: StoredEvent): Promise<PutOutcome>;
  /**
   * Stores a report and makes it its campaign-day's report in force, atomically and only if both its eventId is new
   * and the report in force (if any) has an older `asOf`; otherwise writes nothing and says which condition failed.
   */
  putReport(report: StoredReport): Promise<ReportPutOutcome>;
}

export interface Quarantined {
  /** The delivery's message id: redeliveries of one message overwrite one entry, so nothing is counted twice. */
  readonly messageId: string;
  readonly reason: RejectionReason;
  readonly message: string;
  readonly eventId?: string;
  readonly channelId?: string;
  /** The original payload, byte for byte. */
  readonly payload: string;
  readonly atMs: number;
  /** When the entry may be deleted (the configured retention after arrival). */
  readonly retainUntilMs: number;
}

export interface Duplicate {
  readonly messageId: string;
  readonly eventId: string;
  readonly channelId: string;
  readonly atMs: number;
  /** When the entry may be deleted (the configured retention after arrival). */
  readonly retainUntilMs: number;
}

/** Port: what happened to the deliveries that did not become new events (or, superseded reports, changed nothing). */
export interface IntakeLog {
  quarantine(entry: Quarantined): Promise<void>;
  duplicate(entry: Duplicate): Promise<void>;
  /**
   * A report accepted with an older `asOf` than the one in force: stored, counted, and without effect. Keyed by
   * `(channelId, eventId)`, not by delivery: recording it again (a redelivery) changes nothing.
   */
  superseded(entry: Duplicate): Promise<void>;
}

export interface IntakeReader {
  quarantined(): Promise<Quarantined[]>;
  duplicates(): Promise<Duplicate[]>;
  supersededReports(): Promise<Duplicate[]>;
  /**
   * What arrived in `[fromMs, toMs)` and did not become a new event: quarantined deliveries and duplicates. Read by
   * arrival day (one query per UTC day and kind), never by scanning the log, so the console can ask it on AWS.
   */
  arrivedBetween(fromMs: number, toMs: number): Promise<{ quarantined: Quarantined[]; duplicates: Duplicate[] }>;
}

// ── Aggregates ──────────────────────────────────────────────────────────────────────────────────────────

export type CommitResult = 'committed' | 'checkpoint_moved';

/**
 * What one conditional write adds to a channel's hour item for a shard: the item's mark for the shard must still be
 * before `first` (or, once read, exactly `after`); the write adds `deltas` (the hour's and its stores' shares) and moves
 * the mark to `last`.
 */
export interface ItemAddition {
  readonly channelId: string;
  readonly hour: string;
  /** The mark the item must hold for the shard; absent: any mark before `first` (or none). */
  readonly after?: string | undefined;
  readonly first: string;
  readonly last: string;
  readonly deltas: readonly BucketDelta[];
}

/** `added`, or the item's mark for the shard when it refused the write (another consumer added some records first). */
export type AddResult = { readonly added: true } | { readonly added: false; readonly mark: string | undefined };

/** Port: aggregates, each item guarding itself per shard, and the rules' per-shard checkpoints. */
export interface AggregateStore {
  /** Adds to one hour item if its mark for `shardKey` allows it (see {@link ItemAddition}); changes nothing otherwise. */
  addOnce(shardKey: string, addition: ItemAddition): Promise<AddResult>;
  readCheckpoint(shardKey: string): Promise<string | undefined>;
  /** Moves a checkpoint from `expected` to `next`; `checkpoint_moved` (and nothing changes) if another consumer moved it first. */
  moveCheckpoint(shardKey: string, expected: string | undefined, next: string): Promise<CommitResult>;
}

export interface AggregateReader {
  /**
   * A channel's hour totals keyed `YYYY-MM-DDTHH` in hour order, optionally only those from `fromHour` to `toHour`
   * inclusive. Read-only: an in-memory implementation may hand out its live totals.
   */
  hours(channelId: string, range?: { fromHour: string; toHour: string }): Promise<ReadonlyMap<string, Readonly<Totals>>>;
  /**
   * The same hours as range sums (what the rule windows read at every batch and sweep): an implementation that holds
   * the hours keeps the sums running, so a window costs lookups, not an addition per hour. What it answers stays as it
   * was read.
   */
  hourSums(channelId: string, range: { fromHour: string; toHour: string }): Promise<HourSums>;
  /** Each store's day totals over business days `fromDay` to `toDay` inclusive, keyed by day then store. */
  storeDays(channelId: string, fromDay: string, toDay: string): Promise<Map<string, Map<string, Totals>>>;
}

// ── Alerts and the outbox ───────────────────────────────────────────────────────────────────────────────

/**
 * One outbound event waiting to be published, written in the same transaction as the state change it reports
 * (an alert transition, a proposal, a finance decision), so "decided" can never be lost before "published".
 */
export interface OutboxEntry {
  /** The outbox partition: a channel's alerts, or {@link BUDGETS_OUTBOX}. */
  readonly channelId: string;
  /** Unique per announcement (consumers drop repeats by it): alertId or proposalId + detail-type. */
  readonly id: string;
  /**
   * Order among entries of one instant: e.g. the fingerprint, its state version and the position in the transition,
   * so a resolution is published before the raise that follows it (an escalation, a new period).
   */
  readonly seq: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
  readonly timeMs: number;
}

/** The outbox partition of budget proposals and decisions ("~" keeps it apart from every channel's partition in reading). */
export const BUDGETS_OUTBOX = '~budgets';

/** Port: what the publisher needs from an outbox. */
export interface Outbox {
  pending(partition: string): Promise<OutboxEntry[]>;
  published(entry: OutboxEntry): Promise<void>;
}

export type SaveResult = 'saved' | 'conflict';

/** Port: alert states (one current state per fingerprint, versioned) and the outbox. */
export interface AlertStore extends Outbox {
  get(channelId: string, fingerprint: string): Promise<{ state: AlertState; version: number } | undefined>;
  /**
   * All current states of a channel's fingerprints (firing and last resolved), with their versions, and the
   * channel's latest arrival — one Query, as they share a partition.
   */
  list(channelId: string): Promise<{ alerts: { state: AlertState; version: number }[]; lastEventAtMs: number | undefined }>;
  /**
   * Stores the states of one transition and its outbox entries atomically, if the fingerprint's version is still
   * `expectedVersion` (`0` for a fingerprint never seen); otherwise changes nothing and returns `conflict`.
   */
  save(channelId: string, states: readonly AlertState[], expectedVersion: number, outbox: readonly OutboxEntry[]): Promise<SaveResult>;
  /** Channel bookkeeping for feed_stale: latest arrival seen (only moves forward). */
  touchChannel(channelId: string, lastEventAtMs: number): Promise<void>;
}

// ── Silences ────────────────────────────────────────────────────────────────────────────────────────────

/** Port: silences created through the API. */
export interface SilenceStore {
  /** Every stored silence, ended or not (the newest first). */
  list(): Promise<StoredSilence[]>;
  /** Stores a new silence; `exists` when its id is taken. */
  put(silence: StoredSilence): Promise<'saved' | 'exists'>;
  /** Ends a silence at `atMs` (its `toMs` lowered, `expiredAtMs` set) unless it has ended already; what it is now. */
  expire(id: string, atMs: number): Promise<StoredSilence | undefined>;
}

// ── Publishing ──────────────────────────────────────────────────────────────────────────────────────────

export interface OutboundEntry {
  readonly source: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
  readonly timeMs: number;
}

/** Port: puts at most 10 events; returns the indexes of the entries that failed (EventBridge's per-entry errors). */
export interface EventPublisher {
  putEvents(entries: readonly OutboundEntry[]): Promise<number[]>;
}

export const MAX_PUT_EVENTS = 10;

// ── Budgets ─────────────────────────────────────────────────────────────────────────────────────────────

/** One line of the budget audit trail: who did what to which proposal, when. */
export interface AuditEntry {
  readonly atMs: number;
  readonly actor: string;
  readonly action: 'proposed' | 'approved' | 'rejected' | 'expired';
  readonly proposalId: string;
  readonly details: Record<string, unknown>;
}

/** Which condition of a decision transaction failed. */
export type DecideConflict = 'proposal' | 'budgets' | 'config';

/** Port: the budget book, proposals and the audit trail. */
export interface BudgetStore {
  book(): Promise<BudgetBook | undefined>;
  /** Stores a new proposal with its audit line and outbox entries; `exists` when this id was proposed before. */
  insert(record: ProposalRecord, outbox: readonly OutboxEntry[]): Promise<'saved' | 'exists'>;
  get(proposalId: string): Promise<ProposalRecord | undefined>;
  list(status?: ProposalStatus): Promise<ProposalRecord[]>;
  /**
   * Decides a pending proposal, in one transaction: the proposal's status (only if still pending — and, with a new
   * book, unexpired at `decision.atMs`), the new book (only if the book is still at `expectedCounter` and the stored
   * configuration's budgets still hash to its basis), the audit line and the outbox entries. All or nothing.
   */
  decide(
    record: ProposalRecord,
    decision: Decision,
    outbox: readonly OutboxEntry[],
    book?: { next: BudgetBook; expectedCounter: number },
  ): Promise<{ ok: true } | { ok: false; failed: DecideConflict[] }>;
  audit(): Promise<AuditEntry[]>;
  /**
   * Records an approved proposal's review with its outbox entries, once: `exists` when it was reviewed before (a
   * retried job).
   */
  recordOutcome(record: ProposalRecord, outcome: NonNullable<ProposalRecord['outcome']>, outbox: readonly OutboxEntry[]): Promise<'saved' | 'exists'>;
}

// ── Reviews ─────────────────────────────────────────────────────────────────────────────────────────────

/** The outbox partition of published reviews. */
export const REVIEWS_OUTBOX = '~reviews';

/** What a list of reviews shows of each (the whole review is read one at a time). */
export interface ReviewListing {
  readonly reviewId: string;
  readonly period: ReviewPublishedDetail['period'];
  readonly from: string;
  readonly to: string;
  readonly generatedAt: string;
  readonly revision: number;
  readonly summary: string;
}

/** Port: the reviews kept for the console, the CLI and the chats. */
export interface ReviewStore {
  /**
   * Stores a review with its outbox entries if the stored revision is still `expectedRevision` (`undefined`: none
   * stored yet); otherwise changes nothing and returns `conflict` (a retried or concurrent run stored it first).
   */
  save(review: ReviewPublishedDetail, expectedRevision: number | undefined, outbox: readonly OutboxEntry[]): Promise<'saved' | 'conflict'>;
  get(reviewId: string): Promise<ReviewPublishedDetail | undefined>;
  /** Every stored review, newest period first. */
  list(): Promise<ReviewListing[]>;
}

// ── Configuration ───────────────────────────────────────────────────────────────────────────────────────

/** Port: the configuration in force. */
export interface ConfigSource {
  current(): Promise<SentinelConfig>;
}

/** Raised when the stored configuration is missing or does not validate: the function cannot do its job. */
export class ConfigUnavailableError extends Error {}

// ── Webhook secrets ─────────────────────────────────────────────────────────────────────────────────────

/** Port: a producer's active webhook secrets (the current one, and the previous one while a rotation is under way). */
export interface WebhookSecrets {
  activeSecrets(producerId: string): Promise<string[] | undefined>;
}

// ── Ad platforms (pulled reports) ───────────────────────────────────────────────────────────────────────

export interface DayWindow {
  /** First and last account day, `YYYY-MM-DD`, inclusive. */
  readonly since: string;
  readonly until: string;
}

/** Port: one ad platform's campaign-day report pages for one mapped account, as the API's page text. */
export interface AdReportClient {
  pages(account: AdAccountSource, window: DayWindow): AsyncIterable<string>;
}
