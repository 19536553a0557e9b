/**
 * `sentinel backtest`: the replay without a database. The lines go through the same runner (batches, the simulated
 * clock, the sweep and the daily job where the clock crosses them) and the same use cases — admission and ingest,
 * the exactly-once stream application, the rules and the alert lifecycle, publishing, reallocation — on the
 * in-memory ports of `shared/adapters/memory.ts`. Same lines in, same outbound events out as `sentinel replay`
 * (test/integration/backtest.test.ts proves it), orders of magnitude faster: history can be asked what it would
 * have fired.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { makeShardProcessor } from '../shared/app/aggregating.ts';
import { type IngestOutcome, makeIngesting } from '../shared/app/ingesting.ts';
import type { ProposeReport } from '../shared/app/budgeting.ts';
import { describeProblems, parseConfig, type SentinelConfig } from '../shared/domain/config.ts';
import { AdmissionsAhead } from '../shared/domain/admission.ts';
import { memoryServices } from '../shared/runtime/compose.ts';
import { memoryShardRecord } from '../shared/adapters/memory.ts';
import { routesToIngest } from './event-pattern.ts';
import { localPublisher } from './local-publisher.ts';
import type { DeliveryReport, QueuedMessage } from './local-queue.ts';
import { feed, type ReplayOptions, type ReplaySummary, type ReplayTarget } from './replay.ts';

/** Logging and metrics that go nowhere: a backtest reports through its outbound events and its summary. */
const silent = new Proxy({}, { get: () => () => undefined }) as unknown as Logger & Metrics;

/** The shard of the in-memory stream (one: the events table's stream has one writer here). */
const SHARD = 'memory/shard-0';

/** The pipeline of {@link memoryServices}, driven as the embedded one is. */
class MemoryPipeline implements ReplayTarget {
  nowMs = 0;
  private readonly services;
  private readonly ingestOne;
  private readonly process;
  /** The feed decides each line before offering it; ingest takes that decision rather than parsing the line again. */
  private readonly admissions = new AdmissionsAhead();

  constructor(
    readonly config: SentinelConfig,
    emit: (line: string) => void,
  ) {
    this.services = memoryServices(
      config,
      localPublisher((event) => emit(JSON.stringify(event))),
    );
    const s = this.services;
    this.ingestOne = makeIngesting({
      config: s.config,
      events: s.events,
      intake: s.intake,
      logger: silent,
      metrics: silent,
      admit: (body, config) => this.admissions.take(body, config),
    });
    const deps = {
      aggregates: s.aggregates,
      alerting: { service: s.alerting, config: s.budgetedConfig, clock: () => this.nowMs },
      logger: silent,
      metrics: silent,
    };
    this.process = makeShardProcessor(deps);
  }

  get intake() {
    return this.services.intake;
  }
  get aggregates() {
    return this.services.aggregates;
  }

  routesToIngest(event: unknown): boolean {
    return routesToIngest(event);
  }

  admit(line: string, config: SentinelConfig, parsed?: { readonly value: unknown }) {
    return this.admissions.decide(line, config, parsed);
  }

  async ingest(messages: readonly QueuedMessage[]): Promise<DeliveryReport> {
    const outcomes: IngestOutcome[] = [];
    for (const m of messages) outcomes.push(await this.ingestOne({ messageId: m.messageId, body: m.body, sentAtMs: m.sentAtMs }));
    return { delivered: outcomes.length, redeliveries: 0, deadLettered: [] };
  }

  async aggregate(): Promise<number> {
    // Decoded from the stored body, as the stream handler decodes the stream's image.
    const records = this.services.events.drain().map(memoryShardRecord);
    if (records.length === 0) return 0;
    const failedAt = await this.process(SHARD, records);
    if (failedAt !== undefined) throw new Error(`backtest: the stream batch failed at record ${failedAt}`);
    return records.length;
  }

  async sweep(): Promise<void> {
    const config = await this.services.budgetedConfig.current();
    await this.services.alerting.sweep(config, this.nowMs);
    await this.services.alerting.publish(config);
  }

  async reviseReviews() {
    const report = await this.services.reviewing.settle(await this.services.budgetedConfig.current(), this.nowMs);
    await this.services.reviewing.publish();
    return report;
  }

  async review() {
    const report = await this.services.reviewing.closeDay(await this.services.budgetedConfig.current(), this.nowMs);
    await this.services.reviewing.publish();
    return report;
  }

  async propose(): Promise<ProposeReport & { published: number }> {
    const report = await this.services.budgeting.propose(await this.services.config.current(), this.nowMs);
    const published = await this.services.budgeting.publish();
    return { ...report, published: published.published };
  }
}

export type BacktestOptions = Pick<ReplayOptions, 'config' | 'lines' | 'emit' | 'onProgress' | 'batchSize'>;

/** Feeds the lines through the in-memory pipeline; the summary is `sentinel replay`'s. */
export async function backtest(options: BacktestOptions): Promise<ReplaySummary> {
  const parsed = parseConfig(options.config);
  if (!parsed.ok) throw new Error(`configuration refused:\n${describeProblems(parsed.problems)}`);
  return feed(new MemoryPipeline(parsed.config, options.emit ?? (() => undefined)), options);
}
