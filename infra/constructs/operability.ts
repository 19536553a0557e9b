import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../shared/runtime/observability.ts';
import type { StageSettings } from '../settings.ts';

export interface OperabilityProps {
  readonly settings: StageSettings;
  readonly key: kms.IKey;
  readonly opsEmail?: string;
  readonly ingestQueue: sqs.IQueue;
  /** Every dead-letter queue: any message in one is a failure someone must look at. */
  readonly deadLetterQueues: Record<string, sqs.IQueue>;
  readonly functions: Record<string, { readonly fn: lambda.Function }>;
  readonly streamConsumer: { readonly fn: lambda.Function };
  readonly alertRaisedRule: events.IRule;
}

/**
 * Every failure visible: alarms (to the ops alarm topic) for dead-letter queues, the ingest backlog, function errors
 * and throttles, stream lag and quarantine growth; and one dashboard for the flow of events, alerts and spend.
 */
export class Operability extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: OperabilityProps) {
    super(scope, id);
    const { settings } = props;
    this.topic = new sns.Topic(this, 'AlarmTopic', { displayName: 'Channel Sentinel operational alarms', masterKey: props.key, enforceSSL: true });
    if (props.opsEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.opsEmail));
    const alarm = (id: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
      const a = new cloudwatch.Alarm(this, id, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(new SnsAction(this.topic));
      a.addOkAction(new SnsAction(this.topic));
      this.alarms.push(a);
      return a;
    };

    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      alarm(
        `${name}DlqDepth`,
        queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        0,
        `${name}: messages in a dead-letter queue — something failed repeatedly and is waiting for a human`,
      );
    }
    alarm(
      'IngestBacklogAge',
      props.ingestQueue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
      settings.maxMessageAge.toSeconds(),
      `ingest queue: the oldest message is older than ${settings.maxMessageAge.toHumanString()}`,
    );
    for (const [name, f] of Object.entries(props.functions)) {
      alarm(`${name}Errors`, f.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }), 0, `${name}: function errors`);
      alarm(`${name}Throttles`, f.fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }), 0, `${name}: function throttled`);
    }
    const iteratorAge = new cloudwatch.Metric({
      namespace: 'AWS/Lambda',
      metricName: 'IteratorAge',
      dimensionsMap: { FunctionName: props.streamConsumer.fn.functionName },
      period: Duration.minutes(1),
      statistic: 'Maximum',
    });
    alarm(
      'StreamIteratorAge',
      iteratorAge,
      settings.maxIteratorAge.toMilliseconds(),
      `aggregation is more than ${settings.maxIteratorAge.toHumanString()} behind the events stream`,
    );
    const ingestMetric = (metricName: string) =>
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: 'ingest' }, period: Duration.minutes(15), statistic: 'Sum' });
    alarm(
      'QuarantineGrowth',
      ingestMetric('EventsQuarantined'),
      settings.quarantineAlarmThreshold,
      `more than ${settings.quarantineAlarmThreshold} events quarantined in 15 minutes: a producer is sending what the contract refuses`,
    );

    const perMinute = (metricName: string, label: string) =>
      new cloudwatch.MathExpression({
        expression: 'm / 60',
        usingMetrics: { m: ingestMetric(metricName).with({ period: Duration.minutes(1) }) },
        label,
        period: Duration.minutes(1),
      });
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(24) });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Events per second', left: [perMinute('EventsAccepted', 'accepted/s')], width: 8 }),
      new cloudwatch.GraphWidget({
        title: 'Accepted vs quarantined vs duplicates',
        left: [ingestMetric('EventsAccepted'), ingestMetric('EventsQuarantined'), ingestMetric('EventsDuplicate')],
        stacked: true,
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Alerts raised',
        left: [
          new cloudwatch.Metric({
            namespace: 'AWS/Events',
            metricName: 'MatchedEvents',
            dimensionsMap: { RuleName: props.alertRaisedRule.ruleName },
            statistic: 'Sum',
            period: Duration.minutes(15),
          }),
        ],
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Spend today vs daily budget, per channel',
        width: 24,
        left: [
          new cloudwatch.MathExpression({
            expression: `SEARCH('{${METRICS_NAMESPACE},channelId,service} MetricName="SpendToday"', 'Maximum', 900)`,
            label: 'spend',
            period: Duration.minutes(15),
          }),
          new cloudwatch.MathExpression({
            expression: `SEARCH('{${METRICS_NAMESPACE},channelId,service} MetricName="DailyBudget"', 'Maximum', 900)`,
            label: 'budget',
            period: Duration.minutes(15),
          }),
        ],
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }),
    );
  }
}
