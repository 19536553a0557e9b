import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { eventBridgePublisher } from '../../shared/adapters/publisher.ts';
import { secretsManagerWebhookSecrets } from '../../shared/adapters/webhook-secrets.ts';
import { parseEnv } from '../../shared/runtime/env.ts';
import { observability } from '../../shared/runtime/observability.ts';
import { FUNCTION_CATALOG } from '../catalog.ts';
import { makeHandler } from './webhook.ts';

const env = parseEnv(FUNCTION_CATALOG.webhook.env);

export const handler = makeHandler({
  secrets: secretsManagerWebhookSecrets(env.WEBHOOK_SECRET_PREFIX),
  bus: eventBridgePublisher(new EventBridgeClient({}), env.EVENT_BUS_NAME),
  clock: Date.now,
  ...observability('webhook'),
});
