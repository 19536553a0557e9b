/**
 * The two DynamoDB tables, defined once: the CDK stack builds them from this and the local runtime creates them
 * from this, so a key or stream setting cannot differ between AWS and a laptop.
 *
 * - `events`: one item per accepted event (`pk` = `channelId#eventId`), written once by a conditional put. It is
 *   the dedupe marker, the evidence and the replay source at once; its stream (NEW_IMAGE) feeds aggregation. Restated
 *   reports add one item per campaign-day (`channelId#campaignId#date`) holding the report in force and the one it
 *   replaced, so each of its stream records says exactly what to add.
 * - `state`: everything derived or configured, keyed `pk`/`sk` — hour aggregates (`AGG#channel` / `H#2025-01-15T18`,
 *   with the stores' shares and each shard's mark), the rules' stream checkpoints, configuration, quarantine and
 *   duplicate logs. No stream, so aggregate writes never loop.
 *
 * Retention is DynamoDB TTL, in epoch seconds: events after `retention.eventsDays`, the intake logs after
 * `retention.logsDays` (configuration). Deployed only: the embedded runtime keeps everything (see local/create-tables.ts).
 */
export interface TableDefinition {
  readonly id: 'events' | 'state';
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly stream?: 'NEW_IMAGE';
  readonly timeToLiveAttribute?: string;
}

/**
 * Attribute names of an event item: short, because attribute names count toward the 1 KB write unit. A campaign-day's
 * report item (`Ad Spend Reported`) also carries the report it replaced (`p`, empty for none) and its asOf (`o`).
 */
export const EVENT_ITEM = { key: 'pk', body: 'b', hour: 'h', arrivedAt: 'a', expiresAt: 'x', replaced: 'p', asOf: 'o' } as const;
/**
 * The state table's TTL attribute: epoch **seconds**, as DynamoDB reads it. Only items with a retention carry it
 * (the quarantine and duplicate logs); a proposal's `expiresAt` is its review deadline, in ms, and never deletes it.
 */
export const STATE_TTL_ATTRIBUTE = 'ttl';

export const EVENTS_TABLE: TableDefinition = { id: 'events', partitionKey: 'pk', stream: 'NEW_IMAGE', timeToLiveAttribute: EVENT_ITEM.expiresAt };
export const STATE_TABLE: TableDefinition = { id: 'state', partitionKey: 'pk', sortKey: 'sk', timeToLiveAttribute: STATE_TTL_ATTRIBUTE };

/** A TTL attribute's value: epoch seconds (DynamoDB ignores a TTL that is not seconds). */
export const ttlSeconds = (ms: number): string => String(Math.floor(ms / 1000));
export const TABLES = [EVENTS_TABLE, STATE_TABLE] as const;

/** Table names the code is given at run time (environment on AWS, chosen by the local runtime otherwise). */
export interface TableNames {
  readonly events: string;
  readonly state: string;
}

/** Most items one TransactWriteItems may hold (DynamoDB's limit). */
export const MAX_TRANSACTION_ITEMS = 100;

/**
 * Partition-key families of the state table (`*` = any suffix), as the adapters write them. The stack grants each
 * function only the families it uses (IAM `dynamodb:LeadingKeys`), so e.g. the finance API cannot touch aggregates.
 */
export const STATE_PARTITIONS = {
  config: 'CONFIG',
  budgets: 'BUDGETS',
  proposals: 'PROPOSAL',
  audit: 'AUDIT#BUDGETS',
  aggregates: 'AGG#*',
  checkpoints: 'CKPT#*',
  alerts: 'ALERT#*',
  alertOutbox: 'OUTBOX#*',
  budgetsOutbox: 'OUTBOX#~budgets',
  reviews: 'REVIEW',
  reviewsOutbox: 'OUTBOX#~reviews',
  quarantine: 'QUARANTINE#*',
  duplicates: 'DUPLICATE#*',
  superseded: 'SUPERSEDED#*',
  silences: 'SILENCE',
} as const;
