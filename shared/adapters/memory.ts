/**
 * Every port in memory, with the semantics of the DynamoDB adapters they stand in for — conditional writes that
 * refuse, reads in sort-key order, the outbox by (time, seq), the intake log keyed by (arrival day, message id) — so
 * the use cases run unchanged with no database (`sentinel backtest`, tests). Single process, single writer.
 */
import { addInto, itemKey, type Totals, zeroTotals } from '../domain/aggregation.ts';
import type { AlertState } from '../domain/alerts/alert.ts';
import type { BudgetBook } from '../domain/budgets/book.ts';
import type { ProposalRecord } from '../domain/budgets/proposal.ts';
import { compareText } from '../kernel/compare.ts';
import { RunningSums } from '../domain/hour-sums.ts';
import { insertedRecord, isAfter, reportRecord, type ShardRecord } from '../domain/stream-apply.ts';
import { decidedAudit, proposedAudit } from '../app/audit.ts';
import type {
  AggregateReader,
  AggregateStore,
  AlertStore,
  AuditEntry,
  BudgetStore,
  ConfigSource,
  DecideConflict,
  Duplicate,
  EventStore,
  IntakeLog,
  IntakeReader,
  Outbox,
  OutboxEntry,
  Quarantined,
  ReviewStore,
  SilenceStore,
} from '../app/ports.ts';
import type { ReviewPublishedDetail } from '../../events/outbound.ts';
import { sortListings } from '../app/reviewing.ts';
import type { SentinelConfig, StoredSilence } from '../domain/config.ts';

/**
 * A write as the stream would carry it: its place in the shard and the stored item — an inserted event, or
 * (`replaced` present, empty for none) a campaign-day's report in force changing.
 */
export interface MemoryStreamRecord {
  readonly sequenceNumber: string;
  readonly encoded: string;
  readonly hour: string;
  readonly arrivedAtMs: number;
  readonly replaced?: string;
}

/** The stream record of the domain for a memory stream record (as `toShardRecord` is for DynamoDB's). */
export function memoryShardRecord(record: MemoryStreamRecord): ShardRecord {
  return record.replaced === undefined
    ? insertedRecord(record.sequenceNumber, record)
    : reportRecord(record.sequenceNumber, { ...record, replaced: record.replaced });
}

/** The event store with its stream: `drain()` hands over what was written since the last drain, in commit order. */
export function memoryEventStore(): EventStore & { drain(): MemoryStreamRecord[] } {
  const stored = new Map<string, string>();
  const reports = new Map<string, { encoded: string; asOfMs: number }>();
  let stream: MemoryStreamRecord[] = [];
  let sequence = 0;
  const append = (record: Omit<MemoryStreamRecord, 'sequenceNumber'>) => {
    sequence += 1;
    stream.push({ sequenceNumber: String(sequence), ...record });
  };
  return {
    async putIfAbsent(event) {
      const key = JSON.stringify([event.channelId, event.eventId]);
      const existing = stored.get(key);
      if (existing !== undefined) return { kind: 'exists', encoded: existing };
      stored.set(key, event.encoded);
      append({ encoded: event.encoded, hour: event.hour, arrivedAtMs: event.arrivedAtMs });
      return { kind: 'stored' };
    },
    async putReport(report) {
      const key = JSON.stringify([report.channelId, report.eventId]);
      const existing = stored.get(key);
      if (existing !== undefined) return { kind: 'exists', encoded: existing };
      const slot = JSON.stringify([report.channelId, report.campaignId, report.date]);
      const inForce = reports.get(slot);
      if (inForce && inForce.asOfMs >= report.asOfMs) return { kind: 'not_newer', encoded: inForce.encoded };
      // One transaction on DynamoDB: the eventId marker and the campaign-day's item, each a stream record.
      stored.set(key, report.encoded);
      reports.set(slot, { encoded: report.encoded, asOfMs: report.asOfMs });
      append({ encoded: report.encoded, hour: report.hour, arrivedAtMs: report.arrivedAtMs });
      append({ encoded: report.encoded, hour: report.hour, arrivedAtMs: report.arrivedAtMs, replaced: inForce?.encoded ?? '' });
      return { kind: 'in_force' };
    },
    drain() {
      const out = stream;
      stream = [];
      return out;
    },
  };
}

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function memoryIntakeLog(): IntakeLog & IntakeReader {
  const quarantined = new Map<string, Quarantined>();
  const duplicates = new Map<string, Duplicate>();
  const supersededLog = new Map<string, Duplicate>();
  return {
    async superseded(entry) {
      const key = JSON.stringify([entry.channelId, entry.eventId]);
      if (!supersededLog.has(key)) supersededLog.set(key, entry);
    },
    async quarantine(entry) {
      quarantined.set(`${utcDay(entry.atMs)}\u0000${entry.messageId}`, entry);
    },
    async duplicate(entry) {
      duplicates.set(`${utcDay(entry.atMs)}\u0000${entry.messageId}`, entry);
    },
    quarantined: async () => [...quarantined.values()],
    duplicates: async () => [...duplicates.values()],
    supersededReports: async () => [...supersededLog.values()],
    async arrivedBetween(fromMs, toMs) {
      const inWindow = (e: { atMs: number }) => e.atMs >= fromMs && e.atMs < toMs;
      return { quarantined: [...quarantined.values()].filter(inWindow), duplicates: [...duplicates.values()].filter(inWindow) };
    },
  };
}

/** Hour totals per channel ({@link RunningSums}: a range read costs a binary search, not a scan or a copy). */
export function memoryAggregateStore(): AggregateStore & AggregateReader {
  const checkpoints = new Map<string, string>();
  const channels = new Map<string, RunningSums>();
  /** Each hour item's marks, by `channel \0 hour`, then shard. */
  const marks = new Map<string, Map<string, string>>();
  /** Stores' shares by `channel \0 day \0 store` (summed by day: nothing reads a store's hour). */
  const storeDays = new Map<string, Totals>();
  return {
    async addOnce(shardKey, addition) {
      const item = itemKey(addition.channelId, addition.hour);
      const itemMarks = marks.get(item) ?? marks.set(item, new Map()).get(item)!;
      const held = itemMarks.get(shardKey);
      const allowed = addition.after === undefined ? isAfter(addition.first, held) : held === addition.after;
      if (!allowed) return { added: false, mark: held };
      itemMarks.set(shardKey, addition.last);
      for (const delta of addition.deltas) {
        if (delta.storeId !== undefined) {
          const key = `${delta.channelId}\u0000${delta.hour.slice(0, 10)}\u0000${delta.storeId}`;
          addInto(storeDays.get(key) ?? storeDays.set(key, zeroTotals()).get(key)!, delta.totals);
          continue;
        }
        let channel = channels.get(delta.channelId);
        if (!channel) channels.set(delta.channelId, (channel = new RunningSums()));
        channel.add(delta.hour, delta.totals);
      }
      return { added: true };
    },
    readCheckpoint: async (shardKey) => checkpoints.get(shardKey),
    async moveCheckpoint(shardKey, expected, next) {
      if (checkpoints.get(shardKey) !== expected) return 'checkpoint_moved';
      checkpoints.set(shardKey, next);
      return 'committed';
    },
    async storeDays(channelId, fromDay, toDay) {
      const out = new Map<string, Map<string, Totals>>();
      for (const key of [...storeDays.keys()].sort()) {
        const [channel, day, storeId] = key.split('\u0000') as [string, string, string];
        if (channel !== channelId || day < fromDay || day > toDay) continue;
        if (!out.has(day)) out.set(day, new Map());
        out.get(day)?.set(storeId, { ...(storeDays.get(key) as Totals) });
      }
      return out;
    },
    async hours(channelId, range) {
      return channels.get(channelId)?.hours(range) ?? new Map();
    },
    async hourSums(channelId, range) {
      return (channels.get(channelId) ?? new RunningSums()).sums(range);
    },
  };
}

function memoryOutboxes(): Outbox & { add(entries: readonly OutboxEntry[]): void } {
  const partitions = new Map<string, Map<string, OutboxEntry>>();
  const sk = (e: OutboxEntry) => `${String(e.timeMs).padStart(15, '0')}#${e.seq}`;
  return {
    add(entries) {
      for (const entry of entries) {
        let partition = partitions.get(entry.channelId);
        if (!partition) partitions.set(entry.channelId, (partition = new Map()));
        partition.set(sk(entry), entry);
      }
    },
    async pending(partition) {
      return [...(partitions.get(partition)?.entries() ?? [])].sort(([a], [b]) => compareText(a, b)).map(([, e]) => e);
    },
    async published(entry) {
      partitions.get(entry.channelId)?.delete(sk(entry));
    },
  };
}

/** Alert states (versioned, per fingerprint) and the outboxes — of the alerts and of the budgets alike. */
export function memoryAlertStore(
  outbox: ReturnType<typeof memoryOutboxes> = memoryOutboxes(),
): AlertStore & { readonly outbox: Outbox & { add(entries: readonly OutboxEntry[]): void } } {
  const channels = new Map<string, { alerts: Map<string, { state: AlertState; version: number }>; lastEventAtMs?: number }>();
  const channel = (id: string) => {
    let c = channels.get(id);
    if (!c) channels.set(id, (c = { alerts: new Map() }));
    return c;
  };
  return {
    outbox,
    get: async (channelId, fingerprint) => channel(channelId).alerts.get(fingerprint),
    async list(channelId) {
      const c = channel(channelId);
      return { alerts: [...c.alerts.entries()].sort(([a], [b]) => compareText(a, b)).map(([, e]) => ({ ...e })), lastEventAtMs: c.lastEventAtMs };
    },
    async save(channelId, states, expectedVersion, entries) {
      const last = states[states.length - 1];
      if (!last) return 'saved';
      const alerts = channel(channelId).alerts;
      if ((alerts.get(last.fingerprint)?.version ?? 0) !== expectedVersion) return 'conflict';
      alerts.set(last.fingerprint, { state: last, version: expectedVersion + 1 });
      outbox.add(entries);
      return 'saved';
    },
    async touchChannel(channelId, lastEventAtMs) {
      const c = channel(channelId);
      if (c.lastEventAtMs === undefined || c.lastEventAtMs < lastEventAtMs) c.lastEventAtMs = lastEventAtMs;
    },
    pending: (partition) => outbox.pending(partition),
    published: (entry) => outbox.published(entry),
  };
}

/** The budget book, proposals and audit trail; `budgetsHash` is what the stored configuration's item would carry. */
export function memoryBudgetStore(outbox: { add(entries: readonly OutboxEntry[]): void }, budgetsHash: () => string): BudgetStore {
  let book: BudgetBook | undefined;
  const proposals = new Map<string, ProposalRecord>();
  const audit: AuditEntry[] = [];
  return {
    book: async () => book,
    async insert(record, entries) {
      if (proposals.has(record.id)) return 'exists';
      proposals.set(record.id, record);
      audit.push(proposedAudit(record));
      outbox.add(entries);
      return 'saved';
    },
    get: async (id) => proposals.get(id),
    async list(status) {
      return [...proposals.values()]
        .filter((r) => status === undefined || r.status === status)
        .sort((a, b) => b.createdAtMs - a.createdAtMs || compareText(b.id, a.id));
    },
    async decide(record, decision, entries, next) {
      const current = proposals.get(record.id);
      const failed: DecideConflict[] = [];
      if (!current || current.status !== 'pending' || (next && current.expiresAtMs <= decision.atMs)) failed.push('proposal');
      if (next && (book?.counter ?? 0) !== next.expectedCounter) failed.push('budgets');
      if (next && budgetsHash() !== next.next.basis) failed.push('config');
      if (failed.length > 0) return { ok: false, failed };
      proposals.set(record.id, { ...(current as ProposalRecord), status: decision.outcome, decision });
      if (next) book = next.next;
      audit.push(decidedAudit(record, decision, next !== undefined));
      outbox.add(entries);
      return { ok: true };
    },
    async recordOutcome(record, outcome, entries) {
      const current = proposals.get(record.id);
      if (!current || current.outcome) return 'exists';
      proposals.set(record.id, { ...current, outcome });
      outbox.add(entries);
      return 'saved';
    },
    audit: async () => [...audit].sort((a, b) => a.atMs - b.atMs || compareText(a.proposalId, b.proposalId) || compareText(a.action, b.action)),
  };
}

/** Reviews in memory, with the DynamoDB store's semantics (stored once per reviewId, listed newest first). */
export function memoryReviewStore(outbox: { add(entries: readonly OutboxEntry[]): void }): ReviewStore {
  const reviews = new Map<string, ReviewPublishedDetail>();
  return {
    async save(review, expectedRevision, entries) {
      if (reviews.get(review.reviewId)?.revision !== expectedRevision) return 'conflict';
      reviews.set(review.reviewId, review);
      outbox.add(entries);
      return 'saved';
    },
    get: async (id) => reviews.get(id),
    list: async () =>
      sortListings(
        [...reviews.values()].map(({ reviewId, period, from, to, generatedAt, revision, summary }) => ({
          reviewId,
          period,
          from,
          to,
          generatedAt,
          revision,
          summary,
        })),
      ),
  };
}

/** Silences in memory, with the DynamoDB store's semantics (ending early only ever lowers `toMs`). */
export function memorySilenceStore(): SilenceStore {
  const silences = new Map<string, StoredSilence>();
  return {
    list: async () => [...silences.values()].sort((a, b) => b.createdAtMs - a.createdAtMs || compareText(a.id, b.id)),
    async put(silence) {
      if (silences.has(silence.id)) return 'exists';
      silences.set(silence.id, silence);
      return 'saved';
    },
    async expire(id, atMs) {
      const silence = silences.get(id);
      if (!silence || silence.toMs <= atMs) return silence;
      const ended = { ...silence, toMs: Math.max(silence.fromMs, atMs), expiredAtMs: atMs };
      silences.set(id, ended);
      return ended;
    },
  };
}

/** A configuration that was validated once and never changes. */
export const staticConfigSource = (config: SentinelConfig): ConfigSource => ({ current: async () => config });
