import { secretsManagerWebhookSecrets } from '../../shared/adapters/webhook-secrets.ts';
import { publisherOf } from '../../shared/runtime/compose.ts';
import { deployedWiring } from '../../shared/runtime/deployed.ts';
import { parseEnv } from '../../shared/runtime/env.ts';
import { observability } from '../../shared/runtime/observability.ts';
import { FUNCTION_CATALOG } from '../catalog.ts';
import { makeHandler } from './webhook.ts';

const env = parseEnv(FUNCTION_CATALOG.webhook.env);

export const handler = makeHandler({
  secrets: secretsManagerWebhookSecrets(env.WEBHOOK_SECRET_PREFIX),
  bus: publisherOf(deployedWiring(env)),
  clock: Date.now,
  ...observability('webhook'),
});
