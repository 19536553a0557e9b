import { type CfnElement, Duration, SecretValue, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as events from 'aws-cdk-lib/aws-events';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SWEEP_INTERVAL_MS } from '../../shared/app/alerting.ts';
import type { StageSettings } from '../settings.ts';
import { deadLetterQueue } from './messaging.ts';
import { SentinelFunction } from './sentinel-function.ts';
import type { SentinelTables } from './storage.ts';
import { READ, WRITE } from './storage.ts';

/**
 * The scheduled jobs, on EventBridge Scheduler: the sweep every 15 minutes, the reallocation proposal at
 * midnight in the business timezone, the reviews half an hour later, and the ad platforms' reports pulled hourly (two days) and daily (the window). Each invocation gets the schedule's time (`<aws.scheduler.scheduled-time>`),
 * so a retry judges the moment it was meant for; failed invocations go to a dead-letter queue.
 */
export const pullSecretPrefix = (stage: string) => `sentinel/${stage}/pull/`;

export class Jobs extends Construct {
  readonly sweep: SentinelFunction<'sweep'>;
  readonly propose: SentinelFunction<'propose'>;
  readonly review: SentinelFunction<'review'>;
  readonly pull: SentinelFunction<'pull'>;
  readonly pullSecrets: secretsmanager.Secret[];
  readonly dlq: sqs.Queue;

  constructor(scope: Construct, id: string, props: { settings: StageSettings; tables: SentinelTables; bus: events.IEventBus; timezone: string }) {
    super(scope, id);
    const env = { STATE_TABLE: props.tables.state.tableName, EVENT_BUS_NAME: props.bus.eventBusName };
    this.dlq = deadLetterQueue(this, 'ScheduleDlq', 'the sweep and proposal schedules');
    this.sweep = new SentinelFunction(this, 'Sweep', { name: 'sweep', settings: props.settings, timeout: Duration.minutes(5), environment: env });
    props.tables.grantState(this.sweep.role, READ, ['CONFIG', 'BUDGETS', 'SILENCE', 'AGG#*', 'ALERT#*', 'OUTBOX#*']);
    props.tables.grantState(this.sweep.role, [...WRITE, 'dynamodb:ConditionCheckItem'], ['ALERT#*', 'OUTBOX#*']);
    props.bus.grantPutEventsTo(this.sweep.role);

    this.propose = new SentinelFunction(this, 'Propose', { name: 'propose', settings: props.settings, timeout: Duration.minutes(5), environment: env });
    props.tables.grantState(this.propose.role, READ, ['CONFIG', 'BUDGETS', 'PROPOSAL', 'AGG#*', 'ALERT#*', 'OUTBOX#~budgets']);
    props.tables.grantState(this.propose.role, WRITE, ['PROPOSAL', 'AUDIT#BUDGETS', 'OUTBOX#~budgets']);
    props.bus.grantPutEventsTo(this.propose.role);

    this.review = new SentinelFunction(this, 'Review', { name: 'review', settings: props.settings, timeout: Duration.minutes(5), environment: env });
    props.tables.grantState(this.review.role, READ, ['CONFIG', 'BUDGETS', 'SILENCE', 'PROPOSAL', 'REVIEW', 'AGG#*', 'ALERT#*', 'OUTBOX#~reviews']);
    props.tables.grantState(this.review.role, WRITE, ['REVIEW', 'OUTBOX#~reviews']);
    props.bus.grantPutEventsTo(this.review.role);

    // The ad platforms' reports, pulled with credentials kept in Secrets Manager. The secrets are created empty
    // (`{}`): put the platform's credentials in them (README, "Connect your platforms"); until then each mapped
    // account's pull fails loudly, naming the secret.
    const prefix = pullSecretPrefix(props.settings.stage);
    this.pull = new SentinelFunction(this, 'Pull', {
      name: 'pull',
      settings: props.settings,
      timeout: Duration.minutes(10),
      environment: { ...env, PULL_SECRET_PREFIX: prefix },
    });
    props.tables.grantState(this.pull.role, READ, ['CONFIG']);
    props.bus.grantPutEventsTo(this.pull.role);
    this.pullSecrets = ['meta', 'google-ads'].map((platform) => {
      const secret = new secretsmanager.Secret(this, `PullSecret-${platform}`, {
        secretName: `${prefix}${platform}`,
        description: `Credentials the pull function reads ${platform}'s reports with (see the README)`,
        secretStringValue: SecretValue.unsafePlainText('{}'),
        removalPolicy: props.settings.removalPolicy,
      });
      secret.grantRead(this.pull.role);
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions::AwsSolutions-SMG4',
        reason:
          'The platform issues and rotates these credentials (Meta system-user token, Google OAuth refresh token); they are put in by hand, not rotated by a Lambda.',
      });
      return secret;
    });

    // The scheduler passes its own event (with `time` = the scheduled time) to the function.
    const inputWith = (detail: Record<string, unknown>) =>
      scheduler.ScheduleTargetInput.fromObject({
        version: '0',
        id: scheduler.ContextAttribute.executionId,
        'detail-type': 'Scheduled Event',
        source: 'aws.scheduler',
        time: scheduler.ContextAttribute.scheduledTime,
        resources: [scheduler.ContextAttribute.scheduleArn],
        detail,
      });
    const input = inputWith({});
    const target = (fn: SentinelFunction<'sweep' | 'propose' | 'review' | 'pull'>, name: string, targetInput = input) => {
      const role = new iam.Role(this, `${name}SchedulerRole`, { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com') });
      Validations.of(role).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(fn.fn.node.defaultChild as CfnElement)}.Arn>:*]`,
        reason: 'The scheduler target grant covers the function\'s versions (":*"); it invokes nothing else.',
      });
      return new schedulerTargets.LambdaInvoke(fn.fn, {
        input: targetInput,
        role,
        deadLetterQueue: this.dlq,
        retryAttempts: 3,
        maxEventAge: Duration.minutes(30),
      });
    };
    new scheduler.Schedule(this, 'SweepSchedule', {
      description: 'Channel Sentinel sweep: pacing, stale feeds, period ends, reminders',
      schedule: scheduler.ScheduleExpression.rate(Duration.millis(SWEEP_INTERVAL_MS)),
      target: target(this.sweep, 'Sweep'),
    });
    new scheduler.Schedule(this, 'ProposeSchedule', {
      description: 'Channel Sentinel reallocation proposal after each business day closes',
      schedule: scheduler.ScheduleExpression.cron({ minute: '0', hour: '0', timeZone: TimeZone.of(props.timezone) }),
      target: target(this.propose, 'Propose'),
    });
    // Half an hour after midnight: the last events of the closed day have been aggregated (the stream's lag is
    // seconds); replay runs it at midnight, after everything that arrived before.
    new scheduler.Schedule(this, 'ReviewSchedule', {
      description: 'Channel Sentinel reviews: the day, the week (after Sunday), the month (after its last day)',
      schedule: scheduler.ScheduleExpression.cron({ minute: '30', hour: '0', timeZone: TimeZone.of(props.timezone) }),
      target: target(this.review, 'Review'),
    });
    // Hourly: today and yesterday (spend as it grows feeds pacing); daily at 06:00: the configuration's whole
    // restatement window (`reportRestatementDays`, read by the function).
    new scheduler.Schedule(this, 'PullRecentSchedule', {
      description: "Channel Sentinel: pull the ad platforms' reports for today and yesterday",
      schedule: scheduler.ScheduleExpression.rate(Duration.hours(1)),
      target: target(this.pull, 'PullRecent', inputWith({ days: 2 })),
    });
    new scheduler.Schedule(this, 'PullWindowSchedule', {
      description: "Channel Sentinel: pull the ad platforms' reports over the restatement window (restated days)",
      schedule: scheduler.ScheduleExpression.cron({ minute: '0', hour: '6', timeZone: TimeZone.of(props.timezone) }),
      target: target(this.pull, 'PullWindow'),
    });
  }
}
