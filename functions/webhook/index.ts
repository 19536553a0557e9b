import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { secretsManagerWebhookSecrets } from '../../shared/adapters/webhook-secrets.ts';
import { configOf, publisherOf } from '../../shared/runtime/compose.ts';
import { deployedWiring } from '../../shared/runtime/deployed.ts';
import { parseEnv } from '../../shared/runtime/env.ts';
import { observability } from '../../shared/runtime/observability.ts';
import { FUNCTION_CATALOG } from '../catalog.ts';
import { isShopifyPartnerEvent, makePlatformHandler, makeShopifyPartnerHandler, type ShopifyPartnerEvent } from './platforms.ts';
import { makeHandler } from './webhook.ts';

const env = parseEnv(FUNCTION_CATALOG.webhook.env);
const wiring = deployedWiring(env);

const producers = makeHandler({
  secrets: secretsManagerWebhookSecrets(env.WEBHOOK_SECRET_PREFIX),
  bus: publisherOf(wiring),
  clock: Date.now,
  ...observability('webhook'),
});
const platforms = makePlatformHandler({
  secrets: secretsManagerWebhookSecrets(env.PLATFORM_SECRET_PREFIX),
  config: configOf(wiring),
  bus: publisherOf(wiring),
  clock: Date.now,
  ...observability('webhook'),
});

const shopifyPartner = makeShopifyPartnerHandler({ config: configOf(wiring), bus: publisherOf(wiring), clock: Date.now, ...observability('webhook') });

/**
 * `POST /events` (our signature), `POST /connect/{platform}` (the platform's own) and, when deployed with a Shopify
 * partner event source, Shopify's events from it: one function.
 */
export const handler = (event: APIGatewayProxyEventV2 | ShopifyPartnerEvent, context: Context) => {
  if (isShopifyPartnerEvent(event)) return shopifyPartner(event);
  const http = event as APIGatewayProxyEventV2;
  return http.rawPath.startsWith('/connect/') ? platforms(http, context) : producers(http, context);
};
