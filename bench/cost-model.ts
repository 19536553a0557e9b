/**
 * The deployed cost model: what a million events cost end to end at a given rate per channel, from requests counted
 * on the deployed handlers (DynamoDB Local, reading the tables as the functions do — no single-writer caches) times
 * AWS list prices. The rate decides how many events share an invocation: the stream mapping waits up to its 1 s
 * batching window (at most 1,000 records), the ingest queue's mapping up to 1 s for 10 messages. Only Lambda's
 * duration is not counted — it is an assumption, stated beside it.
 */
import type { DynamoLocal } from '../local/dynamodb-local.ts';
import { LocalPipeline } from '../local/pipeline.ts';
import { seedAggregates } from '../local/seed-aggregates.ts';
import { WriteMeter } from './meter.ts';
import { addInto, type BucketDelta, zeroTotals } from '../shared/domain/aggregation.ts';
import { bucketOf } from '../shared/kernel/time.ts';

/**
 * List prices, USD, us-east-1 (on-demand DynamoDB after the November 2024 reduction; Lambda on arm64; free tiers
 * ignored). https://aws.amazon.com/dynamodb/pricing/on-demand/, /lambda/pricing/, /eventbridge/pricing/, /sqs/pricing/.
 */
export const PRICES = {
  dynamoWriteUnit: 0.625 / 1e6,
  dynamoReadUnit: 0.125 / 1e6,
  eventBridgeEvent: 1.0 / 1e6,
  sqsRequest: 0.4 / 1e6,
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecondArm: 0.0000133334,
  /** DynamoDB Streams reads made by a Lambda event source mapping are free. */
  streamRead: 0,
} as const;

/**
 * Assumed billed durations (not counted): an ingest invocation of 10 messages (parallel puts, one config read cached
 * per minute) and an aggregate invocation (a transaction, two checkpoint reads, the rules' Queries).
 */
export const ASSUMED = {
  ingestMsPerInvocation: 40,
  ingestMemoryGb: 0.5,
  aggregateMsPerInvocation: 60,
  aggregateMsPerRecord: 0.05,
  aggregateMemoryGb: 1,
  /** SQS messages per ingest invocation at most (the mapping's batch size). */
  ingestBatch: 10,
  /** The stream mapping's batching window, seconds, and its batch size. */
  streamWindowSeconds: 1,
  streamBatch: 1000,
} as const;

export interface CostRun {
  readonly ratePerChannel: number;
  readonly perInvocation: number;
  readonly events: number;
  readonly aggregateInvocations: number;
  readonly writeUnits: number;
  readonly readUnits: number;
  readonly writeRequests: number;
  readonly readRequests: number;
  readonly outbound: number;
  /** Read units of one sweep over the stream's channels (every 15 minutes: 96 a day). */
  readonly sweepReadUnits: number;
  readonly sweepWriteUnits: number;
}

/** Events per aggregate invocation at `ratePerChannel` events/s on one channel's shard. */
export const eventsPerInvocation = (ratePerChannel: number) =>
  Math.max(1, Math.min(ASSUMED.streamBatch, Math.round(ratePerChannel * ASSUMED.streamWindowSeconds)));

/** Runs `lines` through the deployed handlers with `perInvocation` records per stream batch, counting every request. */
export async function measureCostRun(
  db: DynamoLocal,
  tables: { events: string; state: string },
  config: unknown,
  lines: readonly string[],
  ratePerChannel: number,
  updatedItemBytes: number,
): Promise<CostRun> {
  const perInvocation = eventsPerInvocation(ratePerChannel);
  let aggregateInvocations = 0;
  let outbound = 0;
  const p = await LocalPipeline.start({
    db,
    tables,
    config,
    readsAsDeployed: true,
    stream: { batchSize: perInvocation },
    deliver: () => (outbound += 1),
    wrapAggregate: (invoke) => (event) => ((aggregateInvocations += 1), invoke(event)),
  });
  // The stream's own span: history is seeded up to its first hour, and the clock stands at the end of its last hour.
  const times = lines.map((line) => Date.parse((JSON.parse(line) as { time: string }).time));
  const firstHourMs = Math.floor(Math.min(...times) / HOUR) * HOUR;
  p.nowMs = Math.ceil(Math.max(...times) / HOUR) * HOUR;
  await seedHistory(p, firstHourMs);
  const meter = new WriteMeter(updatedItemBytes);
  meter.attach(db.dynamo);
  try {
    return await counted(p, meter, lines, ratePerChannel, perInvocation, () => ({ aggregateInvocations, outbound }));
  } finally {
    meter.detach(db.dynamo);
  }
}

async function counted(
  p: LocalPipeline,
  meter: WriteMeter,
  lines: readonly string[],
  ratePerChannel: number,
  perInvocation: number,
  invocations: () => { aggregateInvocations: number; outbound: number },
): Promise<CostRun> {
  // One message at a time: the events reach the stream in their order, as a steady trickle would, so the count of
  // freshness writes (skipped when an event is not newer than the last) is the same on every run.
  for (const [i, body] of lines.entries()) await p.ingest([{ messageId: `c${i}`, body, sentAtMs: p.nowMs }]);
  await p.aggregate();
  const before = { reads: meter.readUnits, writes: meter.writeUnits + meter.alertingUnits };
  await p.sweep();
  const sweepReadUnits = meter.readUnits - before.reads;
  const sweepWriteUnits = meter.writeUnits + meter.alertingUnits - before.writes;
  return {
    ratePerChannel,
    perInvocation,
    events: lines.length,
    aggregateInvocations: invocations().aggregateInvocations,
    writeUnits: before.writes,
    readUnits: before.reads,
    writeRequests: meter.writeRequests,
    readRequests: meter.readRequests,
    outbound: invocations().outbound,
    sweepReadUnits,
    sweepWriteUnits,
  };
}

/**
 * The channels' hours from the 1st of the business month to the stream's first hour, as a channel in service has
 * them: the rules' 8-day windows and the sweep's month to date then read what they would read in production. Not
 * counted.
 */
async function seedHistory(p: LocalPipeline, untilMs: number): Promise<void> {
  const timezone = p.config.timezone;
  const month = bucketOf(untilMs, timezone).day.slice(0, 7);
  const deltas: BucketDelta[] = [];
  for (let t = untilMs - HOUR; bucketOf(t, timezone).day.startsWith(month); t -= HOUR) {
    const hour = bucketOf(t, timezone).hour;
    for (const channel of p.config.channels)
      deltas.push({
        channelId: channel.id,
        hour,
        totals: addInto(zeroTotals(), { events: 120n, gmv: 1_200_000n, orders: 80n, units: 90n, spend: 300_000n, visits: 3_000n }),
      });
  }
  await seedAggregates(p.aggregates, deltas.reverse());
}

const HOUR = 3_600_000;

export interface CostLine {
  readonly run: CostRun;
  /** USD per million events, by component. */
  readonly bus: number;
  readonly sqs: number;
  readonly lambdaRequests: number;
  readonly lambdaDuration: number;
  readonly dynamoWrites: number;
  readonly dynamoReads: number;
  readonly outbound: number;
  /** Sweeps of one channel for a day, per million of that channel's events at its rate. */
  readonly sweeps: number;
  readonly total: number;
  readonly writeUnitsPerEvent: number;
}

/** A counted run priced per million events. */
export function price(run: CostRun): CostLine {
  const perEvent = (x: number) => x / run.events;
  const ingestInvocationsPerEvent = 1 / Math.max(1, Math.min(ASSUMED.ingestBatch, Math.round(run.ratePerChannel)));
  const aggregatePerEvent = perEvent(run.aggregateInvocations);
  const m = 1e6;
  const bus = m * PRICES.eventBridgeEvent;
  // EventBridge's SendMessage into the queue, then the mapping's ReceiveMessage and DeleteMessageBatch per batch.
  const sqs = m * PRICES.sqsRequest * (1 + 2 * ingestInvocationsPerEvent);
  const lambdaRequests = m * PRICES.lambdaRequest * (ingestInvocationsPerEvent + aggregatePerEvent);
  const lambdaDuration =
    m *
    PRICES.lambdaGbSecondArm *
    (ingestInvocationsPerEvent * (ASSUMED.ingestMsPerInvocation / 1000) * ASSUMED.ingestMemoryGb +
      (aggregatePerEvent * ASSUMED.aggregateMsPerInvocation + ASSUMED.aggregateMsPerRecord) * (ASSUMED.aggregateMemoryGb / 1000));
  const dynamoWrites = m * PRICES.dynamoWriteUnit * perEvent(run.writeUnits);
  const dynamoReads = m * PRICES.dynamoReadUnit * perEvent(run.readUnits);
  const outbound = m * PRICES.eventBridgeEvent * perEvent(run.outbound);
  const eventsPerDay = run.ratePerChannel * 86_400;
  const sweeps = (m / eventsPerDay) * 96 * (run.sweepReadUnits * PRICES.dynamoReadUnit + run.sweepWriteUnits * PRICES.dynamoWriteUnit + PRICES.lambdaRequest);
  const total = bus + sqs + lambdaRequests + lambdaDuration + dynamoWrites + dynamoReads + outbound + sweeps;
  return { run, bus, sqs, lambdaRequests, lambdaDuration, dynamoWrites, dynamoReads, outbound, sweeps, total, writeUnitsPerEvent: perEvent(run.writeUnits) };
}

const usd = (x: number) => `$${x.toFixed(x < 0.01 ? 4 : 3)}`;

/** The markdown table of priced runs, one row per rate. */
export function costTable(lines: readonly CostLine[]): string {
  const head = `| events/s per channel | events per aggregate invocation | DynamoDB write units / event | read units / event | bus in | SQS | Lambda requests | Lambda duration (assumed) | DynamoDB writes | DynamoDB reads | alerts out | sweeps | **total per million events** |
|---|---|---|---|---|---|---|---|---|---|---|---|---|`;
  const rows = lines.map(
    (l) =>
      `| ${l.run.ratePerChannel.toLocaleString('en')} | ${l.run.perInvocation} | ${l.writeUnitsPerEvent.toFixed(3)} | ${(l.run.readUnits / l.run.events).toFixed(3)} | ${usd(l.bus)} | ${usd(l.sqs)} | ${usd(l.lambdaRequests)} | ${usd(l.lambdaDuration)} | ${usd(l.dynamoWrites)} | ${usd(l.dynamoReads)} | ${usd(l.outbound)} | ${usd(l.sweeps)} | **${usd(l.total)}** |`,
  );
  return [head, ...rows].join('\n');
}
