import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { makeHandler as makeAggregateHandler, type ShardBatchEvent, type ShardBatchResponse } from '../functions/aggregate/aggregate.ts';
import { makeHandler as makeFinanceHandler } from '../functions/finance/finance.ts';
import { makeHandler as makeIngestHandler } from '../functions/ingest/ingest.ts';
import { makeHandler as makeProposeHandler } from '../functions/propose/propose.ts';
import { makeHandler as makeReviewHandler, type ReviewReport } from '../functions/review/review.ts';
import { makeHandler as makeSweepHandler } from '../functions/sweep/sweep.ts';
import { dynamoConfigSource, storeConfig } from '../shared/adapters/config-store.ts';
import type { TableNames } from '../shared/adapters/tables.ts';
import type { ProposeReport } from '../shared/app/budgeting.ts';
import type { EventPublisher } from '../shared/app/ports.ts';
import type { SentinelConfig } from '../shared/domain/config.ts';
import {
  aggregatesOf,
  alertingOf,
  alertsOf,
  budgetedConfigOf,
  budgetingOf,
  budgetsOf,
  configOf,
  eventsOf,
  freshConfigOf,
  intakeOf,
  reviewingOf,
  type Wiring,
} from '../shared/runtime/compose.ts';
import { METRICS_NAMESPACE } from '../shared/runtime/observability.ts';
import { createTables } from './create-tables.ts';
import { type DynamoLocal, type DynamoLocalOptions, startDynamoLocal } from './dynamodb-local.ts';
import { routesToIngest } from './event-pattern.ts';
import { localContext } from './lambda-context.ts';
import { type DeliveredEvent, localPublisher } from './local-publisher.ts';
import { type DeliveryReport, deliverBatch, type QueuedMessage, type SqsBatchInvoker } from './local-queue.ts';
import { StreamRunner, type StreamRunnerOptions } from './stream-runner.ts';

export const LOCAL_TABLES: TableNames = { events: 'sentinel-events', state: 'sentinel-state' };
/** The roles the local finance API knows (the stack sets the same through FINANCE_ROLE / READER_ROLES). */
export const FINANCE_ROLE = 'finance';
export const READER_ROLES = ['ops'] as const;

export interface PipelineOptions extends DynamoLocalOptions {
  /** Attach to a running DynamoDB Local (left running on stop) instead of starting one. */
  readonly db?: DynamoLocal;
  /**
   * The configuration document to store before anything runs (validated; refused as a whole if bad). `undefined`
   * opens an existing database (a `--data` directory) with the configuration it holds.
   */
  readonly config: unknown;
  readonly tables?: TableNames;
  readonly stream?: StreamRunnerOptions;
  /** Wraps the adapters, for tests that inject faults at the storage boundary. */
  readonly wrap?: Wiring['wrap'];
  /**
   * Read the tables as the deployed functions do, without the single-writer caches (the bench's deployed cost model
   * counts those reads). Slower; same results.
   */
  readonly readsAsDeployed?: boolean;
  /** Receives every outbound event the pipeline publishes (alerts), in the delivered shape. */
  readonly deliver?: (event: DeliveredEvent) => void;
  /** Wraps the publisher, for tests that inject PutEvents failures. */
  readonly wrapPublisher?: (publisher: EventPublisher) => EventPublisher;
  /** Wraps the ingest invocation, for tests that crash it after it committed and before SQS saw the answer. */
  readonly wrapIngest?: (invoke: SqsBatchInvoker) => SqsBatchInvoker;
  /** Wraps the aggregate invocation, for tests that crash it after it committed. */
  readonly wrapAggregate?: (invoke: (event: ShardBatchEvent) => Promise<ShardBatchResponse>) => (event: ShardBatchEvent) => Promise<ShardBatchResponse>;
}

/**
 * The whole ingest → store → stream → aggregate path running on a laptop: DynamoDB Local, the tables from the
 * stack's definitions, and the very handlers deployed to Lambda, invoked in-process by stand-ins for SQS and the
 * stream event source mapping.
 */
export class LocalPipeline {
  /** The wiring of this pipeline's services, composed as a deployed function composes them (`shared/runtime/compose.ts`). */
  readonly wiring: Wiring;
  /** The pipeline's clock: real time by default; replay sets it to the simulated time. */
  nowMs = Date.now();
  private readonly invokeIngest: SqsBatchInvoker;
  private readonly invokeAggregate: (event: ShardBatchEvent) => Promise<ShardBatchResponse>;
  private readonly streamRunner: StreamRunner;
  private readonly sweepHandler: ReturnType<typeof makeSweepHandler>;
  private readonly proposeHandler: ReturnType<typeof makeProposeHandler>;
  private readonly reviewHandler: ReturnType<typeof makeReviewHandler>;
  private readonly financeHandler: ReturnType<typeof makeFinanceHandler>;

  private constructor(
    readonly db: DynamoLocal,
    private readonly ownsDb: boolean,
    readonly tables: TableNames,
    readonly config: SentinelConfig,
    private readonly streamArn: string,
    options: PipelineOptions,
  ) {
    const logger = new Logger({ serviceName: 'sentinel-local' });
    const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'sentinel-local', logger });
    const publisher = localPublisher((event) => options.deliver?.(event));
    // Locally every configuration change is a restart and every approval goes through this process (which sees it
    // at once), so nothing needs re-reading on a timer.
    const wiring: Wiring = {
      dynamo: () => db.dynamo,
      tables,
      publisher: () => options.wrapPublisher?.(publisher) ?? publisher,
      cacheMs: Number.POSITIVE_INFINITY,
      // One process per data directory (the server's lock) and per test table: the aggregates' only writer.
      singleWriter: !options.readsAsDeployed,
      ...(options.wrap ? { wrap: options.wrap } : {}),
    };
    this.wiring = wiring;
    const ingestHandler = makeIngestHandler({ config: configOf(wiring), events: eventsOf(wiring), intake: intakeOf(wiring), logger, metrics });
    const invokeIngest: SqsBatchInvoker = (event) => ingestHandler(event, localContext('ingest'));
    this.invokeIngest = options.wrapIngest?.(invokeIngest) ?? invokeIngest;
    const scheduledAt = (event: { time: string }) => Date.parse(event.time);
    this.sweepHandler = makeSweepHandler({ alerting: alertingOf(wiring), config: budgetedConfigOf(wiring), clock: scheduledAt, logger, metrics });
    this.proposeHandler = makeProposeHandler({ budgeting: budgetingOf(wiring), config: freshConfigOf(wiring), clock: scheduledAt, logger, metrics });
    this.reviewHandler = makeReviewHandler({ reviewing: reviewingOf(wiring), config: budgetedConfigOf(wiring), clock: scheduledAt, logger, metrics });
    this.financeHandler = makeFinanceHandler({
      budgeting: budgetingOf(wiring),
      financeRole: FINANCE_ROLE,
      readerRoles: READER_ROLES,
      clock: () => this.nowMs,
      logger,
      metrics,
    });
    const aggregateHandler = makeAggregateHandler({
      aggregates: aggregatesOf(wiring),
      alerting: { service: alertingOf(wiring), config: budgetedConfigOf(wiring), clock: () => this.nowMs },
      logger,
      metrics,
    });
    const invokeAggregate = (event: ShardBatchEvent) => aggregateHandler(event, localContext('aggregate'));
    this.invokeAggregate = options.wrapAggregate?.(invokeAggregate) ?? invokeAggregate;
    this.streamRunner = this.streamConsumer(options.stream);
  }

  get aggregates() {
    return aggregatesOf(this.wiring);
  }
  get alerts() {
    return alertsOf(this.wiring);
  }
  get alerting() {
    return alertingOf(this.wiring);
  }
  get budgets() {
    return budgetsOf(this.wiring);
  }
  get budgeting() {
    return budgetingOf(this.wiring);
  }
  get intake() {
    return intakeOf(this.wiring);
  }
  get reviewing() {
    return reviewingOf(this.wiring);
  }

  static async start(options: PipelineOptions): Promise<LocalPipeline> {
    const db = options.db ?? (await startDynamoLocal(options));
    try {
      const tables = options.tables ?? LOCAL_TABLES;
      const { eventsStreamArn } = await createTables(db.dynamo, tables);
      const config =
        options.config === undefined
          ? await dynamoConfigSource(db.dynamo, tables.state).current()
          : await storeConfig(db.dynamo, tables.state, options.config, Date.now());
      return new LocalPipeline(db, !options.db, tables, config, eventsStreamArn, options);
    } catch (error) {
      if (!options.db) await db.stop();
      throw error;
    }
  }

  /** Whether the bus would route this event to the ingest queue (by the patterns the stack deploys). */
  routesToIngest(event: unknown): boolean {
    return routesToIngest(event);
  }

  /** Delivers one SQS batch to the ingest function, with SQS's redelivery of failed records. */
  async ingest(messages: readonly QueuedMessage[]): Promise<DeliveryReport> {
    return deliverBatch(messages, this.invokeIngest);
  }

  /** Another consumer of the same stream with its own read positions (two Lambda pollers racing, in tests). */
  streamConsumer(options?: StreamRunnerOptions): StreamRunner {
    return new StreamRunner(this.db.streams, this.streamArn, this.invokeAggregate, options);
  }

  /** Runs the aggregate function over everything the stream holds; returns the records acknowledged. */
  async aggregate(): Promise<number> {
    return this.streamRunner.drain();
  }

  /** What EventBridge Scheduler delivers to a job at the pipeline's clock. */
  private scheduledEvent(job: string) {
    const time = new Date(this.nowMs).toISOString();
    return {
      version: '0',
      id: `${job}-${this.nowMs}`,
      'detail-type': 'Scheduled Event' as const,
      source: 'aws.scheduler' as const,
      account: '000000000000',
      time,
      region: 'local',
      resources: [],
      detail: {},
    };
  }

  /** The scheduled sweep function, invoked as the schedule would at the pipeline's clock. */
  async sweep(): Promise<void> {
    await this.sweepHandler(this.scheduledEvent('sweep'), localContext('sweep'));
  }

  /** The daily proposal job, invoked as its schedule would at the pipeline's clock. */
  async propose(): Promise<ProposeReport & { published: number }> {
    return this.proposeHandler(this.scheduledEvent('propose'), localContext('propose'));
  }

  /** The end of a replay: revisions of the reviews late events changed, and the open week and month to date. */
  async reviseReviews() {
    const report = await this.reviewing.settle(await budgetedConfigOf(this.wiring).current(), this.nowMs);
    await this.reviewing.publish();
    return report;
  }

  /** The review job, invoked as its schedule would at the pipeline's clock. */
  async review(): Promise<ReviewReport> {
    return this.reviewHandler(this.scheduledEvent('review'), localContext('review'));
  }

  /**
   * One finance API request through the deployed handler, as API Gateway would deliver it after its authoriser
   * established `caller` (`undefined`: nobody authenticated).
   */
  async finance(request: {
    method: string;
    path: string;
    query?: Record<string, string>;
    body?: string;
    caller?: { principal: string; roles: readonly string[] };
  }): Promise<APIGatewayProxyStructuredResultV2> {
    const event = {
      version: '2.0',
      routeKey: '$default',
      rawPath: request.path,
      rawQueryString: new URLSearchParams(request.query ?? {}).toString(),
      headers: { 'content-type': 'application/json' },
      ...(request.query ? { queryStringParameters: request.query } : {}),
      ...(request.body === undefined ? {} : { body: request.body }),
      isBase64Encoded: false,
      requestContext: {
        http: { method: request.method, path: request.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'sentinel-local' },
        ...(request.caller ? { authorizer: { lambda: { principal: request.caller.principal, roles: [...request.caller.roles] } } } : {}),
      },
    } as unknown as APIGatewayProxyEventV2;
    return this.financeHandler(event, localContext('finance'));
  }

  async stop(): Promise<void> {
    if (this.ownsDb) await this.db.stop();
  }
}
