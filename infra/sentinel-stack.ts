import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { SentinelApi } from './constructs/api.ts';
import { Jobs } from './constructs/jobs.ts';
import { SentinelBus } from './constructs/messaging.ts';
import { Operability } from './constructs/operability.ts';
import { Aggregation, Ingest } from './constructs/pipeline.ts';
import { SentinelTables } from './constructs/storage.ts';
import { STAGES, type SentinelContext } from './settings.ts';

/** The whole system, one construct per concern (see docs/ARCHITECTURE.md, "The AWS stack"). */
export class SentinelStack extends Stack {
  readonly tables: SentinelTables;
  readonly ingest: Ingest;
  readonly bus: SentinelBus;
  readonly aggregation: Aggregation;
  readonly jobs: Jobs;
  readonly api: SentinelApi;
  readonly operability: Operability;

  constructor(scope: Construct, id: string, context: SentinelContext, props?: StackProps) {
    super(scope, id, props);
    const settings = STAGES[context.stage];
    this.tables = new SentinelTables(this, 'Tables', settings);
    this.ingest = new Ingest(this, 'Ingest', { settings, tables: this.tables });
    this.bus = new SentinelBus(this, 'Bus', {
      settings,
      tables: this.tables,
      ingestQueue: this.ingest.queue,
      ...(context.opsEmail ? { opsEmail: context.opsEmail } : {}),
    });
    this.aggregation = new Aggregation(this, 'Aggregation', { settings, tables: this.tables, bus: this.bus.bus });
    this.jobs = new Jobs(this, 'Jobs', { settings, tables: this.tables, bus: this.bus.bus, timezone: context.timezone });
    this.api = new SentinelApi(this, 'Api', { settings, context, tables: this.tables, bus: this.bus.bus });
    this.operability = new Operability(this, 'Operability', {
      settings,
      key: this.bus.key,
      ...(context.opsEmail ? { opsEmail: context.opsEmail } : {}),
      ingestQueue: this.ingest.queue,
      deadLetterQueues: { Ingest: this.ingest.dlq, BusDelivery: this.bus.undeliverable, StreamFailures: this.aggregation.onFailure, Schedules: this.jobs.dlq },
      functions: {
        Ingest: this.ingest.function,
        Aggregate: this.aggregation.function,
        Sweep: this.jobs.sweep,
        Propose: this.jobs.propose,
        Review: this.jobs.review,
        Pull: this.jobs.pull,
        Webhook: this.api.webhook,
        Finance: this.api.finance,
        Console: this.api.console,
        Notify: this.bus.notifier,
      },
      streamConsumer: this.aggregation.function,
      alertRaisedRule: this.bus.alertRaisedRule,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.api.apiEndpoint, description: 'POST /events for producers; finance routes' });
    new CfnOutput(this, 'EventBusName', { value: this.bus.bus.eventBusName });
    new CfnOutput(this, 'StateTableName', { value: this.tables.state.tableName, description: 'store the configuration here (sentinel config push)' });
    new CfnOutput(this, 'AlertsTopicArn', {
      value: this.bus.alertsTopic.topicArn,
      description: 'ops alerts, with rule, severity, channelId and detailType message attributes to filter on',
    });
    new CfnOutput(this, 'ChatTargetsSecret', {
      value: this.bus.chatTargets.secretName,
      description: 'put a JSON array of "KIND+URL#secret=…" chat bots (wecom, dingtalk, feishu, webhook) here',
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.operability.topic.topicArn });
  }
}
