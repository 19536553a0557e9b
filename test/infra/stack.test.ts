import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { inboundEvents } from '../../events/inbound.ts';
import { patternFor } from '../../events/define-event.ts';
import { routes, SENTINEL_SOURCE } from '../../events/routes.ts';
import { CONSOLE_ROUTES, FINANCE_ROUTES, PLATFORM_ROUTES } from '../../functions/routes.ts';
import { contextOf } from '../../infra/context.ts';
import { SentinelStack } from '../../infra/sentinel-stack.ts';

/** A synthesizable app with bundling skipped (no esbuild in unit tests) and cdk-nag attached, as infra/app.ts does. */
function appWith(context: Record<string, unknown> = {}) {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'cdk-')), context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new SentinelStack(app, 'Test', contextOf(app));
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
/** The template (synthesizing the app once, cdk-nag included). */
const build = (context: Record<string, unknown> = {}) => ({ template: Template.fromStack(appWith(context).stack) });

const { template } = build();
type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, string[]>> };
const resources = (type: string, t: Template = template) => Object.entries(t.findResources(type)) as [string, Resource][];
const refId = (value: unknown): string | undefined => {
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  return v?.Ref ?? v?.['Fn::GetAtt']?.[0];
};

/** Every statement of each function's role, by the function's logical id. */
function statementsByFunction(): Map<string, Statement[]> {
  const roleOfFunction = new Map(resources('AWS::Lambda::Function').map(([id, r]) => [refId(r.Properties.Role) as string, id]));
  const out = new Map<string, Statement[]>();
  for (const [, policy] of resources('AWS::IAM::Policy')) {
    for (const role of policy.Properties.Roles as unknown[]) {
      const fn = roleOfFunction.get(refId(role) as string);
      if (fn) out.set(fn, [...(out.get(fn) ?? []), ...(policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement]);
    }
  }
  return out;
}
const functionId = (prefix: string) => {
  const id = resources('AWS::Lambda::Function')
    .map(([id]) => id)
    .find((id) => id.startsWith(prefix));
  if (!id) throw new Error(`no function ${prefix}`);
  return id;
};
const leadingKeys = (s: Statement) => s.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] ?? ['<any key>'];

describe('the CDK stack', () => {
  it('synthesizes with zero unacknowledged cdk-nag AwsSolutions findings', () => {
    const { app } = appWith();
    expect(() => app.synth()).not.toThrow();
  });

  it('fails synth on a new unacknowledged finding (a queue without DLQ or TLS)', () => {
    const { app, stack } = appWith();
    new sqs.Queue(stack, 'Careless', { enforceSSL: false });
    expect(() => app.synth()).toThrow(/ERROR The SQS queue/);
  });

  it('builds both tables on demand with point-in-time recovery, the stream and TTL from the shared definitions', () => {
    const tables = resources('AWS::DynamoDB::Table');
    expect(tables).toHaveLength(2);
    for (const [, t] of tables)
      expect(t.Properties).toMatchObject({ BillingMode: 'PAY_PER_REQUEST', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    });
    // Retention: TTL in epoch seconds on both tables (events `x`, the state table's logs `ttl`), never on `expiresAt`.
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'x', Enabled: true },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
  });

  it('protects production tables from deletion and keeps them', () => {
    const prod = build({ stage: 'prod' }).template;
    for (const [, t] of Object.entries(prod.findResources('AWS::DynamoDB::Table')) as [string, Resource & { DeletionPolicy?: string }][]) {
      expect(t.Properties.DeletionProtectionEnabled).toBe(true);
      expect(t.DeletionPolicy).toBe('Retain');
    }
  });

  it('routes exactly the inbound detail-types to the ingest queue, with the pattern built from events/', () => {
    const inbound = routes.find((r) => r.id === 'InboundToIngest')?.pattern;
    const ingestRule = resources('AWS::Events::Rule').find(([, r]) => JSON.stringify(r.Properties.EventPattern) === JSON.stringify(inbound));
    expect(ingestRule).toBeDefined();
    // Built from the inbound definitions, from any source but our own.
    expect(inbound).toEqual({ ...patternFor(inboundEvents), source: [{ 'anything-but': [SENTINEL_SOURCE] }] });
    expect((ingestRule?.[1].Properties.EventPattern as { 'detail-type': string[] })['detail-type'].sort()).toEqual([
      'Ad Spend Recorded',
      'Ad Spend Reported',
      'Refund Recorded',
      'Sale Recorded',
      'Traffic Recorded',
    ]);
    expect(JSON.stringify(ingestRule?.[1].Properties.Targets)).toContain('DeadLetterConfig');
    template.hasResourceProperties('AWS::Events::Archive', { RetentionDays: 14 });
  });

  it('gives the ingest queue a redrive DLQ, makes every other queue a DLQ, and alarms on every DLQ', () => {
    const queues = resources('AWS::SQS::Queue');
    const text = JSON.stringify(template.toJSON());
    const isDlq = (id: string) =>
      queues.some(([, q]) => refId((q.Properties.RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn) === id) ||
      text.includes(`"DeadLetterConfig":{"Arn":{"Fn::GetAtt":["${id}","Arn"]}}`) ||
      text.includes(`"Destination":{"Fn::GetAtt":["${id}","Arn"]}`);
    const notDlq = queues.filter(([id]) => !isDlq(id));
    expect(notDlq).toHaveLength(1);
    expect(notDlq[0]?.[1].Properties.RedrivePolicy).toMatchObject({ maxReceiveCount: 5 });
    const dlqs = queues.filter(([id]) => isDlq(id)).map(([id]) => id);
    expect(dlqs).toHaveLength(4);
    const alarmed = new Set(
      resources('AWS::CloudWatch::Alarm')
        .filter(([, a]) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible')
        .map(([, a]) => refId((a.Properties.Dimensions as { Value: unknown }[])[0]?.Value)),
    );
    for (const id of dlqs) expect(alarmed.has(id), `DLQ ${id} has no depth alarm`).toBe(true);
    for (const [, q] of queues) expect(q.Properties).toMatchObject({ SqsManagedSseEnabled: true });
  });

  it('reads the events stream with a tumbling window, one batch per shard, bisect-on-error and an on-failure queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      TumblingWindowInSeconds: 30,
      ParallelizationFactor: 1,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      StartingPosition: 'TRIM_HORIZON',
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });

  it('runs every function on the newest Node runtime, arm64, with Powertools configured, its own log group, no managed policy', () => {
    const functions = resources('AWS::Lambda::Function');
    expect(functions).toHaveLength(10);
    for (const [, f] of functions) {
      expect(f.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: 'index.handler' });
      expect((f.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: expect.any(String),
        POWERTOOLS_METRICS_NAMESPACE: 'ChannelSentinel',
      });
    }
    for (const [, g] of resources('AWS::Logs::LogGroup')) expect(g.Properties.RetentionInDays).toBe(14);
    expect(resources('AWS::IAM::Role').flatMap(([, r]) => (r.Properties.ManagedPolicyArns as unknown[] | undefined) ?? [])).toEqual([]);
  });

  it('grants each function exactly the actions it needs, on exact resources, limited by partition key', () => {
    const byFunction = statementsByFunction();
    const logs = ['logs:CreateLogStream', 'logs:PutLogEvents'];
    const read = ['dynamodb:GetItem', 'dynamodb:Query'];
    const write = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];
    const expected: Record<string, string[]> = {
      IngestFunction: [
        ...logs,
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:GetItem',
        'sqs:ReceiveMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueUrl',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
      ],
      AggregationAggregate: [
        ...logs,
        ...read,
        ...write,
        'dynamodb:ConditionCheckItem',
        'events:PutEvents',
        'dynamodb:ListStreams',
        'dynamodb:DescribeStream',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'sqs:SendMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
      ],
      JobsSweep: [...logs, ...read, ...write, 'dynamodb:ConditionCheckItem', 'events:PutEvents'],
      JobsPropose: [...logs, ...read, ...write, 'events:PutEvents'],
      JobsReview: [...logs, ...read, ...write, 'events:PutEvents'],
      JobsPull: [...logs, ...read, 'events:PutEvents', 'secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      ApiWebhook: [...logs, ...read, 'events:PutEvents', 'secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      ApiFinance: [...logs, ...read, ...write, 'dynamodb:ConditionCheckItem', 'events:PutEvents'],
      ApiConsole: [...logs, ...read, ...write, 'events:PutEvents'],
      // Reads the configuration (the messages' language), nothing else of the table.
      BusNotify: [...logs, ...read, 'sns:Publish', 'kms:GenerateDataKey', 'kms:Decrypt', 'secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
    };
    for (const [prefix, actions] of Object.entries(expected)) {
      const granted = new Set((byFunction.get(functionId(prefix)) ?? []).flatMap((s) => [s.Action].flat()));
      expect([...granted].sort(), prefix).toEqual([...new Set(actions)].sort());
    }
    // The only `*` resource is the stream grant's ListStreams.
    for (const [fn, statements] of byFunction)
      for (const s of statements) if (s.Resource === '*') expect([s.Action].flat(), fn).toEqual(['dynamodb:ListStreams']);
    const writeKeys = (prefix: string) =>
      (byFunction.get(functionId(prefix)) ?? [])
        .filter((s) => [s.Action].flat().some((a) => a === 'dynamodb:PutItem' || a === 'dynamodb:UpdateItem'))
        .flatMap(leadingKeys);
    // The finance API cannot write aggregates (nor alerts); ingest writes events and its intake log, nothing else.
    expect(writeKeys('ApiFinance')).toEqual(['BUDGETS', 'PROPOSAL', 'AUDIT#BUDGETS', 'OUTBOX#~budgets']);
    expect(writeKeys('IngestFunction')).toEqual(['<any key>', 'QUARANTINE#*', 'DUPLICATE#*', 'SUPERSEDED#*']);
    expect(JSON.stringify(byFunction.get(functionId('IngestFunction')))).not.toContain('BUDGETS');
    // Only finance may check the configuration item inside a transaction, and it cannot write it.
    expect(writeKeys('ApiFinance')).not.toContain('CONFIG');
    // The console writes alert states and their outbox (acknowledgements) and silences: no aggregates, no budgets.
    expect(writeKeys('ApiConsole')).toEqual(['ALERT#*', 'OUTBOX#*', 'SILENCE']);
    // The webhook reads the configuration (the platforms' mapping) and writes nothing in the state table.
    expect(writeKeys('ApiWebhook')).toEqual([]);
    expect(writeKeys('JobsPull')).toEqual([]);
    // The review job writes reviews and their outbox only; the notifier reads the configuration and writes nothing.
    expect(writeKeys('JobsReview')).toEqual(['REVIEW', 'OUTBOX#~reviews']);
    expect(writeKeys('BusNotify')).toEqual([]);
    expect((byFunction.get(functionId('BusNotify')) ?? []).filter((s) => [s.Action].flat().includes('dynamodb:GetItem')).flatMap(leadingKeys)).toEqual([
      'CONFIG',
    ]);
    expect((byFunction.get(functionId('ApiWebhook')) ?? []).filter((s) => [s.Action].flat().includes('dynamodb:GetItem')).flatMap(leadingKeys)).toEqual([
      'CONFIG',
    ]);
  });

  it('exposes POST /events without a gateway authoriser (HMAC in the function) and the finance routes behind IAM or JWT', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /events', AuthorizationType: 'NONE' });
    // The platforms' pushes carry their own signatures, checked in the function.
    for (const r of PLATFORM_ROUTES)
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: `${r.method} ${r.path}`, AuthorizationType: 'NONE' });
    for (const r of [...FINANCE_ROUTES, ...CONSOLE_ROUTES])
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: `${r.method} ${r.path}`, AuthorizationType: 'AWS_IAM' });
    const jwt = build({ jwtIssuer: 'https://cognito-idp.cn-north-1.amazonaws.com.cn/pool', jwtAudience: 'sentinel-console' }).template;
    for (const r of [...FINANCE_ROUTES, ...CONSOLE_ROUTES])
      jwt.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: `${r.method} ${r.path}`, AuthorizationType: 'JWT' });
    // The console's static files are public (no data); everything else is authorised.
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /console/{proxy+}', AuthorizationType: 'NONE' });
    expect(resources('AWS::ApiGatewayV2::Route')).toHaveLength(FINANCE_ROUTES.length + CONSOLE_ROUTES.length + PLATFORM_ROUTES.length + 3);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: Match.anyValue(),
    });
  });

  it('routes Shopify from its EventBridge partner event source to the webhook function, when deployed with one', () => {
    const source = 'aws.partner/shopify.com/427319918593/sentinel';
    const partner = build({ shopifyPartnerSource: source }).template;
    partner.hasResourceProperties('AWS::Events::EventBus', { EventSourceName: source });
    const rule = resources('AWS::Events::Rule', partner).find(([id]) => id.includes('ShopifyPartner'));
    expect(rule?.[1].Properties.EventPattern).toEqual({ source: [source], 'detail-type': ['shopifyWebhook'] });
    expect(JSON.stringify(rule?.[1].Properties.Targets)).toContain('ApiWebhook');
    expect(resources('AWS::Events::EventBus').filter(([id]) => id.includes('ShopifyPartner'))).toEqual([]);
    expect(() => build({ shopifyPartnerSource: 'aws.partner/other.com/1/x' })).toThrow(/shopifyPartnerSource/);
  });

  it('runs the sweep every 15 minutes and the proposal at midnight in the business timezone, passing the scheduled time', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(15 minutes)' });
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(0 0 * * ? *)', ScheduleExpressionTimezone: 'Asia/Shanghai' });
    // The reviews, half an hour after the business day closed.
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(30 0 * * ? *)', ScheduleExpressionTimezone: 'Asia/Shanghai' });
    for (const [, s] of resources('AWS::Scheduler::Schedule')) expect(JSON.stringify(s.Properties.Target)).toContain('<aws.scheduler.scheduled-time>');
    // The ad platforms' reports: hourly for two days, daily at 06:00 over the configured restatement window.
    const pulls = resources('AWS::Scheduler::Schedule').filter(([id]) => id.includes('Pull'));
    expect(pulls.map(([, s]) => [s.Properties.ScheduleExpression, JSON.parse((s.Properties.Target as { Input: string }).Input).detail]).sort()).toEqual([
      ['cron(0 6 * * ? *)', {}],
      ['rate(1 hour)', { days: 2 }],
    ]);
    // Their credentials live in Secrets Manager, created empty: nothing secret is in the template.
    const pullSecrets = resources('AWS::SecretsManager::Secret').filter(([id]) => id.includes('PullSecret'));
    expect(pullSecrets.map(([, s]) => [s.Properties.Name, s.Properties.SecretString])).toEqual([
      ['sentinel/dev/pull/meta', '{}'],
      ['sentinel/dev/pull/google-ads', '{}'],
    ]);
  });

  it('sends alerts to the ops topic and alarms on errors, throttles, backlog, stream lag and quarantine growth', () => {
    // Every alert event and every published review goes to the notifier, which publishes to the topic with attributes
    // and to the chat bots.
    const rule = resources('AWS::Events::Rule').find(([, r]) => JSON.stringify(r.Properties.EventPattern).includes('Alert Escalated'));
    expect((rule?.[1].Properties.EventPattern as { 'detail-type': string[] })['detail-type'].sort()).toEqual([
      'Alert Acknowledged',
      'Alert Escalated',
      'Alert Raised',
      'Alert Reminder Sent',
      'Alert Resolved',
      'Review Published',
    ]);
    expect(JSON.stringify(rule?.[1].Properties.Targets)).toContain('DeadLetterConfig');
    expect(JSON.stringify(rule?.[1].Properties.Targets)).toContain('BusNotify');
    const metrics = resources('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties.MetricName);
    expect(metrics.filter((m) => m === 'Errors')).toHaveLength(10);
    expect(metrics.filter((m) => m === 'Throttles')).toHaveLength(10);
    expect(metrics).toEqual(expect.arrayContaining(['ApproximateAgeOfOldestMessage', 'IteratorAge', 'EventsQuarantined']));
    for (const [, a] of resources('AWS::CloudWatch::Alarm')) expect((a.Properties.AlarmActions as unknown[]).length).toBe(1);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('refuses bad context with the reason', () => {
    expect(() => build({ stage: 'prdo' })).toThrow(/stage/);
    expect(() => build({ timezone: 'Mars/Olympus' })).toThrow(/timezone/);
  });
});
