import { Duration, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { SentinelContext, StageSettings } from '../settings.ts';
import {
  CONSOLE_ROUTES,
  CONSOLE_STATIC_ROUTES,
  FINANCE_ROUTES,
  PLATFORM_ROUTES,
  PUSH_PLATFORMS,
  type RouteSpec,
  WEBHOOK_ROUTES,
} from '../../functions/routes.ts';
import { SentinelFunction } from './sentinel-function.ts';
import type { SentinelTables } from './storage.ts';
import { READ, WRITE } from './storage.ts';

export const webhookSecretPrefix = (stage: string) => `sentinel/${stage}/webhook/`;
/** The platforms' own signing secrets (Shopify's app secret, Douyin's client secret): `sentinel/{stage}/platform/{name}`. */
export const platformSecretPrefix = (stage: string) => `sentinel/${stage}/platform/`;

/**
 * The HTTP API: `POST /events` for producers' signed webhooks (the signature is the authentication, checked by the
 * function against the producer's secrets in Secrets Manager) and the finance routes behind a JWT authoriser (or
 * IAM/SigV4 when no issuer is configured). Access-logged and throttled.
 */
export class SentinelApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly webhook: SentinelFunction<'webhook'>;
  readonly finance: SentinelFunction<'finance'>;
  readonly console: SentinelFunction<'console'>;
  readonly secrets: secretsmanager.Secret[];
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: { settings: StageSettings; context: SentinelContext; tables: SentinelTables; bus: events.IEventBus }) {
    super(scope, id);
    const { settings, context } = props;
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: settings.logRetention, removalPolicy: settings.removalPolicy });
    this.api = new apigw.HttpApi(this, 'Api', { description: 'Channel Sentinel: producer webhooks and the finance review', createDefaultStage: false });
    this.api.addStage('LiveStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: settings.throttle,
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(this.accessLogs) },
    });

    // Producers' webhooks: one secret per producer, {"current": …, "previous"?: …}, generated at deploy.
    const prefix = webhookSecretPrefix(settings.stage);
    this.webhook = new SentinelFunction(this, 'Webhook', {
      name: 'webhook',
      settings,
      timeout: Duration.seconds(10),
      environment: {
        EVENT_BUS_NAME: props.bus.eventBusName,
        WEBHOOK_SECRET_PREFIX: prefix,
        PLATFORM_SECRET_PREFIX: platformSecretPrefix(settings.stage),
        STATE_TABLE: props.tables.state.tableName,
      },
    });
    props.bus.grantPutEventsTo(this.webhook.role);
    // The platforms' pushes are mapped to channels by the configuration's `sources`.
    props.tables.grantState(this.webhook.role, READ, ['CONFIG']);
    this.secrets = context.producers.map(
      (producer) =>
        new secretsmanager.Secret(this, `Secret-${producer}`, {
          secretName: `${prefix}${producer}`,
          description: `Webhook signing secret of producer ${producer} (current, and previous while rotating)`,
          generateSecretString: { secretStringTemplate: JSON.stringify({}), generateStringKey: 'current', passwordLength: 48, excludePunctuation: true },
          removalPolicy: settings.removalPolicy,
        }),
    );
    // One secret per pushing platform, created with a placeholder: put the platform's own secret in it
    // ({"current": "<Shopify app secret | Douyin client secret>"}) — until then every push is refused 401.
    this.secrets.push(
      ...PUSH_PLATFORMS.map(
        (platform) =>
          new secretsmanager.Secret(this, `PlatformSecret-${platform}`, {
            secretName: `${platformSecretPrefix(settings.stage)}${platform}`,
            description: `${platform}'s own webhook signing secret (current, and previous while rotating)`,
            generateSecretString: { secretStringTemplate: JSON.stringify({}), generateStringKey: 'current', passwordLength: 48, excludePunctuation: true },
            removalPolicy: settings.removalPolicy,
          }),
      ),
    );
    for (const secret of this.secrets) {
      secret.grantRead(this.webhook.role);
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions::AwsSolutions-SMG4',
        reason: 'Rotation needs the producer to switch too: the two-secret procedure in the README (current → previous, new current), not a rotation Lambda.',
      });
    }
    const webhookIntegration = new HttpLambdaIntegration('WebhookIntegration', this.webhook.fn);
    for (const webhookRoute of [...this.addRoutes(WEBHOOK_ROUTES, webhookIntegration), ...this.addRoutes(PLATFORM_ROUTES, webhookIntegration)]) {
      Validations.of(webhookRoute).acknowledge({
        id: 'AwsSolutions::AwsSolutions-APIG4',
        reason:
          "Producers authenticate by HMAC-SHA256 signature with per-producer secrets, platforms by their own signature schemes (Shopify's HMAC, Douyin's SHA-1), verified by the webhook function before anything reaches the bus.",
      });
    }

    // Shopify through an EventBridge partner event source (deploy option): its bus, and a rule to the same function.
    if (context.shopifyPartnerSource) {
      const partnerBus = new events.EventBus(this, 'ShopifyPartnerBus', { eventSourceName: context.shopifyPartnerSource });
      new events.Rule(this, 'ShopifyPartnerRule', {
        eventBus: partnerBus,
        description: "Shopify's webhooks from its partner event source to the webhook function (translated by the connector)",
        eventPattern: { source: [context.shopifyPartnerSource], detailType: ['shopifyWebhook'] },
        targets: [new eventTargets.LambdaFunction(this.webhook.fn, { retryAttempts: 4, maxEventAge: Duration.hours(6) })],
      });
    }

    // Finance review.
    this.finance = new SentinelFunction(this, 'Finance', {
      name: 'finance',
      settings,
      timeout: Duration.seconds(15),
      environment: {
        STATE_TABLE: props.tables.state.tableName,
        EVENT_BUS_NAME: props.bus.eventBusName,
        FINANCE_ROLE: context.financeRole,
        READER_ROLES: context.readerRoles.join(','),
      },
    });
    const role = this.finance.role;
    props.tables.grantState(role, READ, ['CONFIG', 'BUDGETS', 'PROPOSAL', 'AUDIT#BUDGETS', 'OUTBOX#~budgets']);
    props.tables.grantState(role, WRITE, ['BUDGETS', 'PROPOSAL', 'AUDIT#BUDGETS', 'OUTBOX#~budgets']);
    // An approval checks, in its transaction, that the configured budgets were not edited: a check, never a write.
    props.tables.grantState(role, ['dynamodb:ConditionCheckItem'], ['CONFIG']);
    props.bus.grantPutEventsTo(role);
    const authorizer =
      context.jwtIssuer && context.jwtAudience?.length
        ? new HttpJwtAuthorizer('FinanceJwt', context.jwtIssuer, { jwtAudience: [...context.jwtAudience] })
        : new HttpIamAuthorizer();
    this.addRoutes(FINANCE_ROUTES, new HttpLambdaIntegration('FinanceIntegration', this.finance.fn), authorizer);

    // The console: the read model, and acknowledging alerts (their state, outbox and the bus).
    this.console = new SentinelFunction(this, 'Console', {
      name: 'console',
      settings,
      timeout: Duration.seconds(15),
      environment: {
        STATE_TABLE: props.tables.state.tableName,
        EVENT_BUS_NAME: props.bus.eventBusName,
        READER_ROLES: [context.financeRole, ...context.readerRoles].join(','),
      },
      // The web console's static files travel with the function that serves them (no build step, no bucket).
      copyIntoBundle: [
        { from: 'console/index.html', to: 'console' },
        { from: 'console/app.js', to: 'console' },
        { from: 'console/styles.css', to: 'console' },
        { from: 'node_modules/uplot/dist/uPlot.iife.min.js', to: 'console/vendor' },
        { from: 'node_modules/uplot/dist/uPlot.min.css', to: 'console/vendor' },
      ],
    });
    props.tables.grantState(this.console.role, READ, [
      'CONFIG',
      'BUDGETS',
      'SILENCE',
      'PROPOSAL',
      'REVIEW',
      'AGG#*',
      'ALERT#*',
      'OUTBOX#*',
      'QUARANTINE#*',
      'DUPLICATE#*',
    ]);
    // Acknowledging (the alert's state and its outbox entry in one transaction, then published) and silences.
    props.tables.grantState(this.console.role, WRITE, ['ALERT#*', 'OUTBOX#*', 'SILENCE']);
    props.bus.grantPutEventsTo(this.console.role);
    const consoleIntegration = new HttpLambdaIntegration('ConsoleIntegration', this.console.fn);
    this.addRoutes(CONSOLE_ROUTES, consoleIntegration, authorizer);
    for (const route of this.addRoutes(CONSOLE_STATIC_ROUTES, consoleIntegration)) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions::AwsSolutions-APIG4',
        reason: "The console's static files hold no data; every data route it calls is behind the authoriser.",
      });
    }
  }

  /** The API Gateway routes of `functions/routes.ts`, one per entry, to one integration. */
  private addRoutes(routes: readonly RouteSpec[], integration: apigw.HttpRouteIntegration, authorizer?: apigw.IHttpRouteAuthorizer): apigw.HttpRoute[] {
    return routes.flatMap((route) =>
      this.api.addRoutes({ path: route.path, methods: [apigw.HttpMethod[route.method]], integration, ...(authorizer ? { authorizer } : {}) }),
    );
  }
}
