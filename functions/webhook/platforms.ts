import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { fromDouyin } from '../../connectors/douyin.ts';
import { parseExact } from '../../connectors/exact.ts';
import { fromShopify, type ShopifyTopic, shopifyShopOf } from '../../connectors/shopify.ts';
import type { Converted } from '../../connectors/common.ts';
import { MAX_WEBHOOK_BYTES } from '../../events/webhook.ts';
import type { ConfigSource, EventPublisher, WebhookSecrets } from '../../shared/app/ports.ts';
import { inboundEntry, putAll } from '../../shared/app/publishing.ts';
import { json, rawBody } from '../http.ts';
import { PUSH_PLATFORMS, type PushPlatform } from '../routes.ts';

export interface PlatformWebhookDeps {
  /** Each platform's secrets by its name (`shopify`: the app's API secret; `douyin`: the client secret), rotatable. */
  readonly secrets: WebhookSecrets;
  /** The configuration in force: `sources` maps shops and accounts to channels. */
  readonly config: ConfigSource;
  readonly bus: EventPublisher;
  readonly clock: () => number;
  /**
   * The local server replaying history (`--clock events`) keeps each event's own time as its arrival (a Shopify
   * order's created_at, a Douyin push's msg_time), as `sentinel replay` does; on AWS the arrival is now.
   */
  readonly platformTime?: boolean;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** Constant-time equality of two byte strings (different lengths are simply unequal). */
const same = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

/**
 * Shopify: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body under the app's secret. Read strictly:
 * exactly the 44 characters of a 32-byte digest — a valid signature with anything after it is refused.
 */
export function verifyShopify(header: string | undefined, raw: string, secrets: readonly string[]): boolean {
  if (!header || !/^[A-Za-z0-9+/]{43}=$/.test(header)) return false;
  const given = Buffer.from(header, 'base64');
  return secrets.some((secret) => same(createHmac('sha256', secret).update(raw, 'utf8').digest(), given));
}

/** Douyin: `X-Douyin-Signature` is the hex SHA-1 of the client secret followed by the raw body (40 hex digits, strictly). */
export function verifyDouyin(header: string | undefined, raw: string, secrets: readonly string[]): boolean {
  if (!header || !/^[0-9a-fA-F]{40}$/.test(header)) return false;
  const given = Buffer.from(header.toLowerCase(), 'hex');
  return secrets.some((secret) => same(createHash('sha1').update(secret, 'utf8').update(raw, 'utf8').digest(), given));
}

/**
 * `POST /connect/shopify` and `POST /connect/douyin`: the platforms' own pushes, verified by their own signature
 * schemes, translated by the connectors and put on the bus like any producer's events (ingest dedupes: Shopify's
 * retries and Douyin's repeated pushes carry the same order, hence the same eventId). Answers: 401 for a bad or
 * missing signature (never saying which secret), 200 for a push we do not map (another topic, event or action —
 * acknowledged so the platform does not retry it), 422 with the reasons for one we cannot map (the platform retries
 * and the shop's mapping can be fixed meanwhile), 202 once the events are on the bus. Douyin's `verify_webhook`
 * is answered with its challenge.
 */
export function makePlatformHandler(deps: PlatformWebhookDeps) {
  const refuse = (platform: string, statusCode: number, error: string, message: string, extra: Record<string, unknown> = {}) => {
    deps.metrics.addMetric('PlatformWebhookRefused', MetricUnit.Count, 1);
    deps.logger.warn('platform webhook refused', { platform, statusCode, error, ...extra });
    return json(statusCode, { error, message });
  };
  return middy(async (event: APIGatewayProxyEventV2, _context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    const platform = /^\/connect\/([a-z-]+)\/?$/.exec(event.rawPath)?.[1] as PushPlatform | undefined;
    if (!platform || !PUSH_PLATFORMS.includes(platform)) return json(404, { error: 'not_found', message: `no platform at ${event.rawPath}` });
    const raw = rawBody(event);
    if (Buffer.byteLength(raw) > MAX_WEBHOOK_BYTES) return refuse(platform, 413, 'payload_too_large', `a request carries at most ${MAX_WEBHOOK_BYTES} bytes`);
    const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const secrets = (await deps.secrets.activeSecrets(platform)) ?? [];
    const signed =
      platform === 'shopify' ? verifyShopify(headers['x-shopify-hmac-sha256'], raw, secrets) : verifyDouyin(headers['x-douyin-signature'], raw, secrets);
    if (!signed) return refuse(platform, 401, 'unauthenticated', 'missing or bad signature');
    let body: unknown;
    try {
      body = parseExact(raw);
    } catch {
      return refuse(platform, 400, 'invalid_json', 'the body is not valid JSON');
    }
    const config = await deps.config.current();
    const nowMs = deps.clock();
    let converted: Converted & { ignored?: string };
    if (platform === 'shopify') {
      const topic = headers['x-shopify-topic'];
      if (topic !== 'orders/create' && topic !== 'refunds/create') return json(200, { ignored: `topic ${topic ?? '(none)'} is not mapped` });
      const domain = headers['x-shopify-shop-domain'];
      const shop = shopifyShopOf(config, domain);
      if (!shop) return refuse(platform, 422, 'unmapped', `shop ${domain ?? '(no X-Shopify-Shop-Domain)'} is not mapped in sources.shopify`);
      converted = fromShopify(body, topic as ShopifyTopic, shop, config, deps.platformTime ? undefined : new Date(nowMs).toISOString());
    } else {
      // The challenge goes back exactly as it came (a JSON number stays a number).
      const plain = JSON.parse(raw) as { event?: unknown; content?: { challenge?: unknown } };
      const challenge = plain.event === 'verify_webhook' ? plain.content?.challenge : undefined;
      if (challenge !== undefined) return json(200, { challenge });
      converted = fromDouyin(body, config);
      if (converted.ignored) return json(200, { ignored: converted.ignored });
    }
    const delivery = headers['x-shopify-webhook-id'] ?? headers['msg-id'];
    if (converted.refused.length > 0) return refuse(platform, 422, 'unmapped', converted.refused.map((r) => `${r.item}: ${r.reason}`).join('; '), { delivery });
    const entries = converted.events.map((e) => inboundEntry(e, deps.platformTime ? Date.parse(e.time) : nowMs));
    if ((await putAll(deps.bus, entries)).length > 0) {
      deps.logger.error('bus refused platform events after retries', { platform, delivery });
      return json(502, { error: 'bus_unavailable', message: 'the events could not be put on the bus; the platform retries (repeats are dropped)' });
    }
    deps.metrics.addMetric('PlatformWebhookEventsAccepted', MetricUnit.Count, entries.length);
    deps.logger.info('platform push accepted', { platform, delivery, events: entries.length });
    return json(202, { accepted: entries.length });
  })
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics));
}

/** Shopify's webhook delivered through an Amazon EventBridge partner event source (`detail-type: shopifyWebhook`). */
export interface ShopifyPartnerEvent {
  readonly source: string;
  readonly 'detail-type': string;
  readonly time?: string;
  readonly detail: { readonly metadata?: Record<string, string>; readonly payload?: unknown };
}

export const isShopifyPartnerEvent = (event: unknown): event is ShopifyPartnerEvent =>
  typeof event === 'object' && event !== null && String((event as { source?: unknown }).source).startsWith('aws.partner/shopify.com/');

/** Every object's `id` from its `admin_graphql_api_id` (`gid://shopify/Order/820982911946154508`) where it has one. */
function restoreIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(restoreIds);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = restoreIds(v);
  const gid = typeof out.admin_graphql_api_id === 'string' ? /\/(\d+)$/.exec(out.admin_graphql_api_id)?.[1] : undefined;
  if (gid && 'id' in out) out.id = gid;
  return out;
}

/**
 * Shopify → an EventBridge partner event source → this function (the deploy option `-c shopifyPartnerSource=…`):
 * AWS authenticates the source, so there is no signature to check; the webhook's headers arrive as
 * `detail.metadata`, its body as `detail.payload`. Lambda has already parsed the payload, so ids beyond 2^53 have
 * lost digits: every id is taken from its `admin_graphql_api_id` (a string) when present. A topic we do not map
 * is skipped; one we cannot map is logged with the reason and counted (the event is not retried: it would fail
 * the same way).
 */
export function makeShopifyPartnerHandler(deps: Omit<PlatformWebhookDeps, 'secrets' | 'platformTime'>) {
  return async (event: ShopifyPartnerEvent): Promise<{ accepted: number; ignored?: string; refused?: string[] }> => {
    const metadata = Object.fromEntries(Object.entries(event.detail.metadata ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const topic = metadata['x-shopify-topic'];
    if (topic !== 'orders/create' && topic !== 'refunds/create') return { accepted: 0, ignored: `topic ${topic ?? '(none)'} is not mapped` };
    const config = await deps.config.current();
    const shop = shopifyShopOf(config, metadata['x-shopify-shop-domain']);
    const refuse = (reasons: string[]) => {
      deps.metrics.addMetric('PlatformWebhookRefused', MetricUnit.Count, 1);
      deps.logger.error('shopify partner event not mapped', {
        topic,
        shop: metadata['x-shopify-shop-domain'],
        reasons,
        delivery: metadata['x-shopify-webhook-id'],
      });
      return { accepted: 0, refused: reasons };
    };
    if (!shop) return refuse([`shop ${metadata['x-shopify-shop-domain'] ?? '(none)'} is not mapped in sources.shopify`]);
    // Numbers back to their text (as the HTTP route reads them), ids from their GraphQL ids.
    const exact = restoreIds(parseExact(JSON.stringify(event.detail.payload ?? null)));
    const nowMs = deps.clock();
    const converted = fromShopify(exact, topic, shop, config, event.time ?? new Date(nowMs).toISOString());
    if (converted.refused.length > 0) return refuse(converted.refused.map((r) => `${r.item}: ${r.reason}`));
    const entries = converted.events.map((e) => inboundEntry(e, Date.parse(e.time)));
    // One attempt, then thrown: EventBridge retries the delivery itself (repeats are dropped by ingest).
    const failed = await putAll(deps.bus, entries, 1);
    if (failed.length > 0) throw new Error(`the bus refused ${failed.length} event(s) from a Shopify partner event`);
    deps.metrics.addMetric('PlatformWebhookEventsAccepted', MetricUnit.Count, entries.length);
    return { accepted: entries.length };
  };
}
