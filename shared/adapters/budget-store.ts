import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  paginateQuery,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { type BudgetBook, effectiveBudgets, withBudgets } from '../domain/budgets/book.ts';
import type { Decision, ProposalRecord, ProposalStatus } from '../domain/budgets/proposal.ts';
import type { SentinelConfig } from '../domain/config.ts';
import { CONFIG_KEY, type ConfigSource } from './config-store.ts';
import { type OutboxEntry, outboxPut } from './outbox.ts';

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
  decide(record: ProposalRecord, decision: Decision, outbox: readonly OutboxEntry[], book?: { next: BudgetBook; expectedCounter: number }): Promise<{ ok: true } | { ok: false; failed: DecideConflict[] }>;
  audit(): Promise<AuditEntry[]>;
}

const BOOK_KEY = { pk: { S: 'BUDGETS' }, sk: { S: 'CURRENT' } };
const proposalKey = (id: string) => ({ pk: { S: 'PROPOSAL' }, sk: { S: id } });
const AUDIT_PK = 'AUDIT#BUDGETS';

const jsonWithBigints = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
const bigintRecord = (record: Record<string, string>) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, BigInt(v)]));

function readProposal(item: Record<string, AttributeValue>): ProposalRecord {
  const stored = JSON.parse(item.record?.S ?? '{}') as Omit<ProposalRecord, 'after' | 'status' | 'decision'> & { after: Record<string, string> };
  const decision = item.decision?.S ? (JSON.parse(item.decision.S) as Decision) : undefined;
  return { ...stored, after: bigintRecord(stored.after), status: (item.status?.S ?? 'pending') as ProposalStatus, ...(decision ? { decision } : {}) };
}

function auditPut(tableName: string, entry: AuditEntry): TransactWriteItem {
  return {
    Put: {
      TableName: tableName,
      Item: { pk: { S: AUDIT_PK }, sk: { S: `${String(entry.atMs).padStart(15, '0')}#${entry.proposalId}#${entry.action}` }, entry: { S: JSON.stringify(entry) } },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** Budgets, proposals and the audit trail in the state table (items BUDGETS, PROPOSAL/id, AUDIT#BUDGETS). */
export function dynamoBudgetStore(client: DynamoDBClient, tableName: string): BudgetStore {
  const query = async (pk: string) => {
    const items: Record<string, AttributeValue>[] = [];
    for await (const page of paginateQuery({ client }, { TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } }, ConsistentRead: true })) items.push(...(page.Items ?? []));
    return items;
  };
  return {
    async book() {
      const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: BOOK_KEY, ConsistentRead: true }));
      if (!Item) return undefined;
      return {
        counter: Number(Item.counter?.N ?? 0),
        basis: Item.basis?.S ?? '',
        daily: bigintRecord(JSON.parse(Item.daily?.S ?? '{}') as Record<string, string>),
        updatedAtMs: Number(Item.updatedAt?.N ?? 0),
        updatedBy: Item.updatedBy?.S ?? '',
        proposalId: Item.proposalId?.S ?? '',
      };
    },

    async insert(record, outbox) {
      const { status, decision: _decision, ...stored } = record;
      const items: TransactWriteItem[] = [
        {
          Put: {
            TableName: tableName,
            Item: { ...proposalKey(record.id), status: { S: status }, createdAt: { N: String(record.createdAtMs) }, expiresAt: { N: String(record.expiresAtMs) }, record: { S: jsonWithBigints(stored) } },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        auditPut(tableName, { atMs: record.createdAtMs, actor: 'system', action: 'proposed', proposalId: record.id, details: { budgetsVersion: record.budgetsVersion, moves: record.detail.moves, expectedGain: record.detail.expectedGain } }),
        ...outbox.map((entry) => outboxPut(tableName, entry)),
      ];
      try {
        await client.send(new TransactWriteItemsCommand({ TransactItems: items }));
        return 'saved';
      } catch (error) {
        if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') return 'exists';
        throw error;
      }
    },

    async get(proposalId) {
      const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: proposalKey(proposalId), ConsistentRead: true }));
      return Item ? readProposal(Item) : undefined;
    },

    async list(status) {
      const records = (await query('PROPOSAL')).map(readProposal);
      return records.filter((r) => status === undefined || r.status === status).sort((a, b) => b.createdAtMs - a.createdAtMs || b.id.localeCompare(a.id));
    },

    async decide(record, decision, outbox, book) {
      const guards: DecideConflict[] = ['proposal'];
      const items: TransactWriteItem[] = [
        {
          Update: {
            TableName: tableName,
            Key: proposalKey(record.id),
            UpdateExpression: 'SET #status = :outcome, decision = :decision',
            ConditionExpression: book ? '#status = :pending AND expiresAt > :at' : '#status = :pending',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':outcome': { S: decision.outcome },
              ':decision': { S: JSON.stringify(decision) },
              ':pending': { S: 'pending' },
              ...(book ? { ':at': { N: String(decision.atMs) } } : {}),
            },
          },
        },
      ];
      if (book) {
        guards.push('budgets', 'config');
        items.push(
          {
            Put: {
              TableName: tableName,
              Item: {
                ...BOOK_KEY,
                counter: { N: String(book.next.counter) },
                basis: { S: book.next.basis },
                daily: { S: jsonWithBigints(book.next.daily) },
                updatedAt: { N: String(book.next.updatedAtMs) },
                updatedBy: { S: book.next.updatedBy },
                proposalId: { S: book.next.proposalId },
              },
              ConditionExpression: book.expectedCounter === 0 ? 'attribute_not_exists(pk)' : '#counter = :c',
              ...(book.expectedCounter === 0 ? {} : { ExpressionAttributeNames: { '#counter': 'counter' }, ExpressionAttributeValues: { ':c': { N: String(book.expectedCounter) } } }),
            },
          },
          // The configuration must still be the plan the book builds on: an edit in between is a budget change.
          { ConditionCheck: { TableName: tableName, Key: CONFIG_KEY, ConditionExpression: 'budgetsHash = :h', ExpressionAttributeValues: { ':h': { S: book.next.basis } } } },
        );
      }
      items.push(
        auditPut(tableName, { atMs: decision.atMs, actor: decision.by, action: decision.outcome, proposalId: record.id, details: { ...(decision.reason ? { reason: decision.reason } : {}), ...(decision.supersededBy ? { supersededBy: decision.supersededBy } : {}), ...(book ? { budgetsVersionBefore: record.budgetsVersion, budgetsVersionAfter: decision.budgetsVersion, budgets: record.detail.budgets } : {}) } }),
        ...outbox.map((entry) => outboxPut(tableName, entry)),
      );
      try {
        await client.send(new TransactWriteItemsCommand({ TransactItems: items }));
        return { ok: true };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        const failed = guards.filter((_, i) => reasons[i]?.Code === 'ConditionalCheckFailed');
        // A transaction conflict (another writer mid-flight on the same items) is reported as the proposal guard:
        // the caller re-reads and answers from what it finds.
        if (failed.length === 0 && reasons.some((r) => r.Code === 'TransactionConflict')) return { ok: false, failed: ['proposal'] };
        if (failed.length === 0) throw error;
        return { ok: false, failed };
      }
    },

    async audit() {
      return (await query(AUDIT_PK)).map((item) => JSON.parse(item.entry?.S ?? '{}') as AuditEntry);
    },
  };
}

/**
 * The configuration with the budgets in force overlaid (what pacing judges against). The book is cached for
 * `maxAgeMs` like the configuration, so an approval reaches a warm function within that time.
 */
export function budgetedConfigSource(source: ConfigSource, budgets: Pick<BudgetStore, 'book'>, maxAgeMs = 60_000, now: () => number = Date.now): ConfigSource & { invalidate(): void } {
  let cached: { book: BudgetBook | undefined; at: number } | undefined;
  // The overlaid configuration is kept while neither input changes: downstream caches key on its identity.
  let last: { config: SentinelConfig; book: BudgetBook | undefined; result: SentinelConfig } | undefined;
  const sameBook = (a: BudgetBook | undefined, b: BudgetBook | undefined) => a === b || (a !== undefined && b !== undefined && a.counter === b.counter && a.basis === b.basis);
  return {
    async current() {
      const config = await source.current();
      if (!cached || now() - cached.at >= maxAgeMs) cached = { book: await budgets.book(), at: now() };
      if (!last || last.config !== config || !sameBook(last.book, cached.book)) last = { config, book: cached.book, result: withBudgets(config, effectiveBudgets(config, cached.book)) };
      return last.result;
    },
    /** Forgets the cached book: the next read sees an approval made in this process at once. */
    invalidate() {
      cached = undefined;
    },
  };
}
