import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { patternFor } from '../../events/define-event.ts';
import { AlertRaisedEvent, AlertReminderSentEvent, AlertResolvedEvent } from '../../events/outbound.ts';
import { routes } from '../../events/routes.ts';
import type { StageSettings } from '../settings.ts';

/** An SQS queue with SSL enforced and SQS-managed encryption. */
export function secureQueue(scope: Construct, id: string, props: Omit<sqs.QueueProps, 'enforceSSL' | 'encryption'> = {}): sqs.Queue {
  return new sqs.Queue(scope, id, { ...props, enforceSSL: true, encryption: sqs.QueueEncryption.SQS_MANAGED });
}

/**
 * A queue that is itself a dead-letter destination — of an EventBridge target, a stream mapping's on-failure or a
 * schedule — which cdk-nag cannot see (it only recognises SQS redrive), hence the acknowledgement.
 */
export function deadLetterQueue(scope: Construct, id: string, usedBy: string): sqs.Queue {
  const queue = secureQueue(scope, id, { retentionPeriod: Duration.days(14) });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions::AwsSolutions-SQS3',
    reason: `It is the dead-letter destination of ${usedBy}; a DLQ of a DLQ would only move the problem.`,
  });
  return queue;
}

/**
 * The custom event bus with an archive (history can be replayed into it), the rules of `events/routes.ts` routing
 * producers' events to the ingest queue, and the ops topic subscribed to alerts. Rule patterns come from the event
 * definitions, never retyped.
 */
export class SentinelBus extends Construct {
  readonly bus: events.EventBus;
  /** Events the bus could not deliver to the ingest queue (after EventBridge's retries). */
  readonly undeliverable: sqs.Queue;
  readonly alertsTopic: sns.Topic;
  readonly key: kms.Key;
  readonly alertRaisedRule: events.Rule;

  constructor(scope: Construct, id: string, props: { settings: StageSettings; ingestQueue: sqs.IQueue; opsEmail?: string }) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', { description: 'Channel Sentinel: producer events in, alerts and budget events out' });
    this.bus.archive('Archive', {
      eventPattern: { account: [Stack.of(this).account] },
      retention: props.settings.archiveRetention,
      description: 'Every event on the bus, for replays',
    });
    this.undeliverable = deadLetterQueue(this, 'UndeliverableDlq', "the bus rules' targets (ingest queue, ops topic)");
    for (const route of routes) {
      new events.Rule(this, route.id, {
        eventBus: this.bus,
        description: route.description,
        eventPattern: route.pattern as events.EventPattern,
        targets: [new targets.SqsQueue(props.ingestQueue, { deadLetterQueue: this.undeliverable, retryAttempts: 185, maxEventAge: Duration.hours(24) })],
      });
    }

    // Ops notifications: a customer-managed key, because EventBridge and CloudWatch cannot use the AWS-managed SNS key.
    this.key = new kms.Key(this, 'OpsKey', {
      enableKeyRotation: true,
      description: 'Channel Sentinel ops topics',
      removalPolicy: props.settings.removalPolicy,
    });
    for (const service of ['events.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({ principals: [new iam.ServicePrincipal(service)], actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'] }),
      );
    }
    this.alertsTopic = new sns.Topic(this, 'AlertsTopic', { displayName: 'Channel Sentinel alerts', masterKey: this.key, enforceSSL: true });
    if (props.opsEmail) this.alertsTopic.addSubscription(new subscriptions.EmailSubscription(props.opsEmail));
    this.alertRaisedRule = new events.Rule(this, 'AlertRaisedToOps', {
      eventBus: this.bus,
      description: 'Alert Raised (and reminders) to the ops topic',
      eventPattern: patternFor([AlertRaisedEvent, AlertReminderSentEvent]) as events.EventPattern,
      targets: [new targets.SnsTopic(this.alertsTopic, { deadLetterQueue: this.undeliverable })],
    });
    new events.Rule(this, 'AlertResolvedToOps', {
      eventBus: this.bus,
      description: 'Alert Resolved to the ops topic',
      eventPattern: patternFor([AlertResolvedEvent]) as events.EventPattern,
      targets: [new targets.SnsTopic(this.alertsTopic, { deadLetterQueue: this.undeliverable })],
    });
  }
}
