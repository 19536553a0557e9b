import { Duration, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { patternFor } from '../../events/define-event.ts';
import { outboundEvents } from '../../events/outbound.ts';
import { CHAT_DETAIL_TYPES } from '../../shared/app/alert-message.ts';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { SentinelFunction } from './sentinel-function.ts';
import { READ, type SentinelTables } from './storage.ts';
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
  readonly notifier: SentinelFunction<'notify'>;
  readonly chatTargets: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: { settings: StageSettings; tables: SentinelTables; ingestQueue: sqs.IQueue; opsEmail?: string }) {
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
    // The notifier: every alert event to the ops topic (with attributes subscriptions filter on) and the chat bots.
    this.chatTargets = new secretsmanager.Secret(this, 'ChatTargets', {
      secretName: `sentinel/${props.settings.stage}/chat-targets`,
      description: 'Chat bots alerts go to: a JSON array of "KIND+URL#secret=…" (wecom, dingtalk, feishu, webhook); [] for none',
      secretStringValue: SecretValue.unsafePlainText('[]'),
      removalPolicy: props.settings.removalPolicy,
    });
    Validations.of(this.chatTargets).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: 'Bot URLs and signing secrets are issued by the chat platforms; they are replaced by hand when a bot is re-created, not rotated.',
    });
    this.notifier = new SentinelFunction(this, 'Notify', {
      name: 'notify',
      settings: props.settings,
      timeout: Duration.seconds(30),
      environment: { ALERTS_TOPIC_ARN: this.alertsTopic.topicArn, CHAT_TARGETS_SECRET: this.chatTargets.secretName, STATE_TABLE: props.tables.state.tableName },
    });
    // Exact actions (not grantPublish's kms:GenerateDataKey*): publishing to a CMK-encrypted topic needs these two.
    this.notifier.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.alertsTopic.topicArn] }));
    this.notifier.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [this.key.keyArn] }));
    this.chatTargets.grantRead(this.notifier.role);
    // The configuration only: which language the messages speak.
    props.tables.grantState(this.notifier.role, READ, ['CONFIG']);
    this.alertRaisedRule = new events.Rule(this, 'AlertsToOps', {
      eventBus: this.bus,
      description: 'Alert Raised, Escalated, Acknowledged, Resolved, reminders and Review Published to the notifier (ops topic and chats)',
      eventPattern: patternFor(outboundEvents.filter((d) => (CHAT_DETAIL_TYPES as readonly string[]).includes(d.detailType))) as events.EventPattern,
      targets: [new targets.LambdaFunction(this.notifier.fn, { deadLetterQueue: this.undeliverable, retryAttempts: 8, maxEventAge: Duration.hours(6) })],
    });
  }
}
