import { bucketOf } from '../shared/kernel/time.ts';
import { SWEEP_INTERVAL_MS } from '../shared/app/alerting.ts';
import type { ProposeReport } from '../shared/app/budgeting.ts';
import type { SentinelConfig } from '../shared/domain/config.ts';
import type { DeliveryReport, QueuedMessage } from './local-queue.ts';

/** A delivery for the runner: an SQS message, the arrival time the clock moves to, and its (channel, eventId). */
export interface Arrival {
  readonly message: QueuedMessage;
  readonly timeMs?: number;
  readonly key?: string;
}

/**
 * What the runner drives: the ingest queue's consumer, the stream's, and the two scheduled jobs, at a clock it sets.
 * The embedded pipeline (DynamoDB Local) and the in-memory one (`sentinel backtest`) both are one.
 */
export interface ScheduledPipeline {
  readonly config: SentinelConfig;
  nowMs: number;
  ingest(messages: readonly QueuedMessage[]): Promise<DeliveryReport>;
  aggregate(): Promise<number>;
  sweep(): Promise<void>;
  propose(): Promise<ProposeReport & { published: number }>;
  /** The review job: the reviews of the periods the day before the clock's closes. */
  review(): Promise<unknown>;
}

/**
 * The local stand-in for SQS batching plus the scheduler, shared by `sentinel replay` and the local server: deliveries
 * are batched (at most `batchSize`; a batch is cut before a second copy of the same (channel, eventId), so a later
 * copy never overtakes an earlier one), and as the clock moves the sweep runs at every 15-minute mark it crosses and
 * the proposal and review jobs at every business-day midnight — each after everything that arrived before it.
 */
export class ScheduledRunner {
  /** The clock: the latest arrival (replay, `--clock events`) or the wall clock (the local server's default). */
  clockMs = 0;
  private nextSweepMs: number | undefined;
  private batch: QueuedMessage[] = [];
  private keys = new Set<string>();

  constructor(
    private readonly pipeline: ScheduledPipeline,
    private readonly options: { batchSize?: number; onDeadLetter?: (ids: string[]) => void; onProposeReport?: (report: ProposeReport) => void } = {},
  ) {}

  get pending(): number {
    return this.batch.length;
  }

  /** Moves the clock forward to `toMs`, running every scheduled job it crosses (after flushing what arrived before). */
  async advanceClock(toMs: number): Promise<void> {
    if (toMs <= this.clockMs) return;
    this.nextSweepMs ??= Math.floor(toMs / SWEEP_INTERVAL_MS) * SWEEP_INTERVAL_MS + SWEEP_INTERVAL_MS;
    while (this.nextSweepMs <= toMs) {
      await this.flush();
      const at = this.nextSweepMs;
      this.pipeline.nowMs = at;
      await this.pipeline.sweep();
      // Every timezone's midnight falls on a 15-minute mark.
      if (bucketOf(at, this.pipeline.config.timezone).day !== bucketOf(at - 1, this.pipeline.config.timezone).day) {
        const report = await this.pipeline.propose();
        this.options.onProposeReport?.(report);
        await this.pipeline.review();
      }
      this.nextSweepMs += SWEEP_INTERVAL_MS;
    }
    this.clockMs = toMs;
  }

  /** Adds one delivery (moving the clock to its time first); flushes when the batch is full or would hold a repeat. */
  async offer(arrival: Arrival): Promise<void> {
    if (arrival.timeMs !== undefined && arrival.timeMs > this.clockMs) await this.advanceClock(arrival.timeMs);
    if ((arrival.key !== undefined && this.keys.has(arrival.key)) || this.batch.length >= (this.options.batchSize ?? 100)) await this.flush();
    if (arrival.key !== undefined) this.keys.add(arrival.key);
    this.batch.push({ ...arrival.message, sentAtMs: this.clockMs });
  }

  /** Delivers the batch to ingest (with SQS's redelivery) and runs aggregation over the stream. */
  async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    this.pipeline.nowMs = this.clockMs;
    const report = await this.pipeline.ingest(this.batch);
    this.batch = [];
    this.keys = new Set();
    if (report.deadLettered.length > 0) {
      const ids = report.deadLettered.map((m) => m.messageId);
      if (this.options.onDeadLetter) this.options.onDeadLetter(ids);
      else throw new Error(`ingest failed repeatedly for ${ids.join(', ')}; see the log above`);
    }
    await this.pipeline.aggregate();
  }
}
