import { type CfnElement, Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
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
 * The scheduled jobs, on EventBridge Scheduler: the sweep every 15 minutes and the reallocation proposal at
 * midnight in the business timezone. Each invocation gets the schedule's time (`<aws.scheduler.scheduled-time>`),
 * so a retry judges the moment it was meant for; failed invocations go to a dead-letter queue.
 */
export class Jobs extends Construct {
  readonly sweep: SentinelFunction<'sweep'>;
  readonly propose: SentinelFunction<'propose'>;
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

    // The scheduler passes its own event (with `time` = the scheduled time) to the function.
    const input = scheduler.ScheduleTargetInput.fromObject({
      version: '0',
      id: scheduler.ContextAttribute.executionId,
      'detail-type': 'Scheduled Event',
      source: 'aws.scheduler',
      time: scheduler.ContextAttribute.scheduledTime,
      resources: [scheduler.ContextAttribute.scheduleArn],
      detail: {},
    });
    const target = (fn: SentinelFunction<'sweep' | 'propose'>, name: string) => {
      const role = new iam.Role(this, `${name}SchedulerRole`, { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com') });
      Validations.of(role).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(fn.fn.node.defaultChild as CfnElement)}.Arn>:*]`,
        reason: 'The scheduler target grant covers the function\'s versions (":*"); it invokes nothing else.',
      });
      return new schedulerTargets.LambdaInvoke(fn.fn, { input, role, deadLetterQueue: this.dlq, retryAttempts: 3, maxEventAge: Duration.minutes(30) });
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
  }
}
