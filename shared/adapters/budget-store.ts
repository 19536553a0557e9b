import { type DynamoDBClient, GetItemCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { Decision, ProposalRecord, ProposalStatus } from '../domain/budgets/proposal.ts';
import { decidedAudit, proposedAudit } from '../app/audit.ts';
import type { AuditEntry, BudgetStore, DecideConflict } from '../app/ports.ts';
import { CONFIG_KEY } from './config-store.ts';
import { type Item, queryPartition, transact } from './dynamo.ts';
import { outboxPut } from './outbox.ts';

const BOOK_KEY = { pk: { S: 'BUDGETS' }, sk: { S: 'CURRENT' } };
const proposalKey = (id: string) => ({ pk: { S: 'PROPOSAL' }, sk: { S: id } });
const AUDIT_PK = 'AUDIT#BUDGETS';

const jsonWithBigints = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
const bigintRecord = (record: Record<string, string>) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, BigInt(v)]));

function readProposal(item: Item): ProposalRecord {
  const stored = JSON.parse(item.record?.S ?? '{}') as Omit<ProposalRecord, 'after' | 'status' | 'decision'> & { after: Record<string, string> };
  const decision = item.decision?.S ? (JSON.parse(item.decision.S) as Decision) : undefined;
  const outcome = item.outcome?.S ? (JSON.parse(item.outcome.S) as ProposalRecord['outcome']) : undefined;
  return {
    ...stored,
    after: bigintRecord(stored.after),
    status: (item.status?.S ?? 'pending') as ProposalStatus,
    ...(decision ? { decision } : {}),
    ...(outcome ? { outcome } : {}),
  };
}

function auditPut(tableName: string, entry: AuditEntry): TransactWriteItem {
  return {
    Put: {
      TableName: tableName,
      Item: {
        pk: { S: AUDIT_PK },
        sk: { S: `${String(entry.atMs).padStart(15, '0')}#${entry.proposalId}#${entry.action}` },
        entry: { S: JSON.stringify(entry) },
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** Budgets, proposals and the audit trail in the state table (items BUDGETS, PROPOSAL/id, AUDIT#BUDGETS). */
export function dynamoBudgetStore(client: DynamoDBClient, tableName: string): BudgetStore {
  const query = (pk: string) => queryPartition(client, tableName, pk);
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
            Item: {
              ...proposalKey(record.id),
              status: { S: status },
              createdAt: { N: String(record.createdAtMs) },
              expiresAt: { N: String(record.expiresAtMs) },
              record: { S: jsonWithBigints(stored) },
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        auditPut(tableName, proposedAudit(record)),
        ...outbox.map((entry) => outboxPut(tableName, entry)),
      ];
      const outcome = await transact(client, items);
      if (outcome.ok) return 'saved';
      // The proposal's own condition: this id was proposed before (a retried job). Any other is a broken invariant.
      if (outcome.failed[0] === 0) return 'exists';
      throw new Error(`storing proposal ${record.id} failed a condition at items ${outcome.failed.join(', ')}`);
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
              ...(book.expectedCounter === 0
                ? {}
                : { ExpressionAttributeNames: { '#counter': 'counter' }, ExpressionAttributeValues: { ':c': { N: String(book.expectedCounter) } } }),
            },
          },
          // The configuration must still be the plan the book builds on: an edit in between is a budget change.
          {
            ConditionCheck: {
              TableName: tableName,
              Key: CONFIG_KEY,
              ConditionExpression: 'budgetsHash = :h',
              ExpressionAttributeValues: { ':h': { S: book.next.basis } },
            },
          },
        );
      }
      items.push(auditPut(tableName, decidedAudit(record, decision, book !== undefined)), ...outbox.map((entry) => outboxPut(tableName, entry)));
      const outcome = await transact(client, items);
      if (outcome.ok) return { ok: true };
      const failed = guards.filter((_, i) => outcome.failed.includes(i));
      if (failed.length === 0) throw new Error(`deciding proposal ${record.id} failed a condition at items ${outcome.failed.join(', ')}`);
      return { ok: false, failed };
    },

    async recordOutcome(record, outcome, outbox) {
      const outcomeOf = await transact(client, [
        {
          Update: {
            TableName: tableName,
            Key: proposalKey(record.id),
            UpdateExpression: 'SET outcome = :outcome',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(outcome)',
            ExpressionAttributeValues: { ':outcome': { S: JSON.stringify(outcome) } },
          },
        },
        ...outbox.map((entry) => outboxPut(tableName, entry)),
      ]);
      if (outcomeOf.ok) return 'saved';
      if (outcomeOf.failed[0] === 0) return 'exists';
      throw new Error(`recording the outcome of ${record.id} failed a condition at items ${outcomeOf.failed.join(', ')}`);
    },

    async audit() {
      return (await query(AUDIT_PK)).map((item) => JSON.parse(item.entry?.S ?? '{}') as AuditEntry);
    },
  };
}
