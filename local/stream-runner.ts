import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import type { ShardBatchEvent, ShardBatchResponse } from '../functions/aggregate/aggregate.ts';

export type ShardBatchInvoker = (event: ShardBatchEvent) => Promise<ShardBatchResponse>;

export interface StreamRunnerOptions {
  /** Records per invocation (GetRecords limit, at most 1000); a function lets tests vary the split per batch. */
  readonly batchSize?: number | (() => number);
  /** Attempts per batch before the runner gives up with an error (Lambda would send it to the on-failure destination). */
  readonly maxAttempts?: number;
}

interface ShardState {
  /** Last sequence number acknowledged by the handler. */
  position?: string;
  iterator?: string;
  finished: boolean;
}

/** Drains between two listings of the stream's shards while none closed. */
const RELIST_EVERY = 50;

/**
 * The local stand-in for Lambda's DynamoDB Streams event source mapping: reads the stream through the real
 * DynamoDB Streams API of DynamoDB Local, one shard at a time in shard order (parents before children), and
 * invokes the aggregate handler with windowed batches that carry `shardId`, as the deployed mapping does. A failed
 * batch is re-read from the last acknowledged record, like Lambda's retry; `batchItemFailures` are honoured.
 */
export class StreamRunner {
  private readonly shards = new Map<string, ShardState>();
  private listed: Shard[] | undefined;
  private listedDrains = 0;
  private readonly batchSize: () => number;
  private readonly maxAttempts: number;

  constructor(
    private readonly client: DynamoDBStreamsClient,
    private readonly streamArn: string,
    private readonly invoke: ShardBatchInvoker,
    options: StreamRunnerOptions = {},
  ) {
    const size = options.batchSize ?? 1000;
    this.batchSize = typeof size === 'number' ? () => size : size;
    this.maxAttempts = options.maxAttempts ?? 20;
  }

  /** Processes every record currently in the stream; returns how many records were acknowledged. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      // Each open shard is read to its end, so one pass takes everything written before it started. Only a shard that
      // closed meanwhile can leave something unread — in its children, listed by the next pass.
      const finishedBefore = this.finishedCount();
      for (const shard of await this.listShards()) total += await this.drainShard(shard);
      if (this.finishedCount() === finishedBefore) return total;
      this.listed = undefined; // a shard closed: its children are in the next listing
    }
  }

  private finishedCount(): number {
    let n = 0;
    for (const state of this.shards.values()) if (state.finished) n += 1;
    return n;
  }

  /**
   * The shards, listed again only when one closed since (new shards are children of closed ones) or every
   * {@link RELIST_EVERY} drains as a safety net: one DescribeStream per drain was a fifth of the replay's stream calls.
   */
  private async listShards(): Promise<Shard[]> {
    if (this.listed && this.listedDrains++ < RELIST_EVERY) return this.listed;
    const shards = await this.describeShards();
    this.listed = shards.length > 0 ? shards : undefined;
    this.listedDrains = 0;
    return shards;
  }

  private async describeShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const page = await this.client.send(new DescribeStreamCommand({ StreamArn: this.streamArn, ExclusiveStartShardId: exclusiveStartShardId }));
      shards.push(...(page.StreamDescription?.Shards ?? []));
      exclusiveStartShardId = page.StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    return shards;
  }

  private async iteratorFor(shardId: string, state: ShardState): Promise<string | undefined> {
    const result = await this.client.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn,
        ShardId: shardId,
        ...(state.position ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: state.position } : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return result.ShardIterator;
  }

  private async drainShard(shard: Shard): Promise<number> {
    const shardId = shard.ShardId as string;
    const state = this.shards.get(shardId) ?? { finished: false };
    this.shards.set(shardId, state);
    const parent = shard.ParentShardId ? this.shards.get(shard.ParentShardId) : undefined;
    if (state.finished || (parent && !parent.finished)) return 0;

    let acknowledged = 0;
    /** The next page, asked for while the handler works on this one (it writes no stream records): one wait less per batch. */
    let prefetched: { iterator: string; page: Promise<GetRecordsCommandOutput> } | undefined;
    const read = (iterator: string) =>
      this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(1000, Math.max(1, this.batchSize())) }));
    for (let attempt = 1; ;) {
      state.iterator ??= await this.iteratorFor(shardId, state);
      if (!state.iterator) {
        state.finished = true;
        return acknowledged;
      }
      let page;
      try {
        const ahead = prefetched?.iterator === state.iterator ? prefetched.page : undefined;
        prefetched = undefined;
        page = await (ahead ?? read(state.iterator));
      } catch (error) {
        if (error instanceof ExpiredIteratorException) {
          state.iterator = undefined;
          continue;
        }
        throw error;
      }
      const records = page.Records ?? [];
      if (records.length === 0) {
        state.iterator = page.NextShardIterator;
        if (!state.iterator) state.finished = true;
        return acknowledged;
      }
      if (page.NextShardIterator) {
        const next = { iterator: page.NextShardIterator, page: read(page.NextShardIterator) };
        next.page.catch(() => undefined); // read again (and its error seen) only if it is used
        prefetched = next;
      }
      const failedAt = await this.deliver(shardId, records);
      if (failedAt === undefined) {
        state.position = records[records.length - 1]?.dynamodb?.SequenceNumber;
        state.iterator = page.NextShardIterator;
        acknowledged += records.length;
        attempt = 1;
        if (!state.iterator) {
          state.finished = true;
          return acknowledged;
        }
        continue;
      }
      // Keep what was acknowledged before the failed record, then re-read from it (Lambda's retry).
      const index = records.findIndex((r) => r.dynamodb?.SequenceNumber === failedAt);
      if (index > 0) {
        state.position = records[index - 1]?.dynamodb?.SequenceNumber;
        acknowledged += index;
      }
      state.iterator = undefined;
      if (++attempt > this.maxAttempts) throw new Error(`shard ${shardId}: batch from ${failedAt} failed ${this.maxAttempts} times`);
    }
  }

  /** Invokes the handler; returns the first failed sequence number, the first record when it threw, or undefined. */
  private async deliver(shardId: string, records: StreamRecord[]): Promise<string | undefined> {
    const event: ShardBatchEvent = {
      Records: records.map((r) => toLambdaRecord(r, this.streamArn)),
      shardId,
      eventSourceARN: this.streamArn,
      window: { start: new Date(0).toISOString(), end: new Date(0).toISOString() },
      state: {},
      isFinalInvokeForWindow: false,
      isWindowTerminatedEarly: false,
    };
    try {
      const response = await this.invoke(event);
      return response.batchItemFailures[0]?.itemIdentifier;
    } catch {
      return records[0]?.dynamodb?.SequenceNumber;
    }
  }
}

/** A stream record in the shape Lambda delivers it (same fields; creation time in epoch seconds). */
function toLambdaRecord(record: StreamRecord, streamArn: string): DynamoDBRecord {
  const d = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion,
    eventSource: record.eventSource,
    awsRegion: record.awsRegion,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(d.ApproximateCreationDateTime ? { ApproximateCreationDateTime: Math.floor(d.ApproximateCreationDateTime.getTime() / 1000) } : {}),
      Keys: d.Keys as never,
      NewImage: d.NewImage as never,
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType as never,
    },
  };
}
