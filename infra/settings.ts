/**
 * Stage settings, chosen by CDK context: `npx cdk deploy -c stage=prod`. Everything that differs between a
 * developer's account and production lives here, documented, with its reason.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

export type StageName = 'dev' | 'prod';

export interface StageSettings {
  readonly stage: StageName;
  /** Tables, bus archive and secrets: destroyed with a dev stack, retained (and deletion-protected) in prod. */
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
  readonly logRetention: RetentionDays;
  /** How long the bus archive keeps events (replays of history into the bus). */
  readonly archiveRetention: Duration;
  /** Alarm when the oldest ingest message is older than this. */
  readonly maxMessageAge: Duration;
  /** Alarm when the stream consumer falls further behind than this. */
  readonly maxIteratorAge: Duration;
  /** Quarantined events per 15 minutes that page ops. */
  readonly quarantineAlarmThreshold: number;
  /** HTTP API throttling (steady rate per second, burst). */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
}

export const STAGES: Record<StageName, StageSettings> = {
  dev: {
    stage: 'dev',
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
    logRetention: RetentionDays.TWO_WEEKS,
    archiveRetention: Duration.days(14),
    maxMessageAge: Duration.minutes(30),
    maxIteratorAge: Duration.minutes(15),
    quarantineAlarmThreshold: 100,
    throttle: { rateLimit: 50, burstLimit: 100 },
  },
  prod: {
    stage: 'prod',
    removalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: true,
    logRetention: RetentionDays.THREE_MONTHS,
    archiveRetention: Duration.days(400),
    maxMessageAge: Duration.minutes(5),
    maxIteratorAge: Duration.minutes(2),
    quarantineAlarmThreshold: 20,
    throttle: { rateLimit: 500, burstLimit: 1000 },
  },
};

/** Deploy-time inputs besides the stage (CDK context keys). */
export interface SentinelContext {
  readonly stage: StageName;
  /** The business timezone: the daily proposal job runs at its midnight. Must match the configuration's. */
  readonly timezone: string;
  /** Producer ids with a webhook secret each (`sentinel/<stage>/webhook/<id>`). */
  readonly producers: readonly string[];
  /** JWT issuer and audience for the finance routes; without them the routes use IAM (SigV4) authorisation. */
  readonly jwtIssuer?: string;
  readonly jwtAudience?: readonly string[];
  readonly financeRole: string;
  readonly readerRoles: readonly string[];
  /** E-mail subscribed to the ops topics (optional). */
  readonly opsEmail?: string;
  /**
   * Shopify's Amazon EventBridge partner event source (`aws.partner/shopify.com/<app id>/<name>`), when Shopify
   * delivers to EventBridge instead of `POST /connect/shopify`: its bus is created and routed to the webhook function.
   */
  readonly shopifyPartnerSource?: string;
}

export const DEFAULT_PRODUCERS = ['tmall', 'jd', 'douyin', 'xiaohongshu', 'group-buy', 'mini-program', 'popup'] as const;
