import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import type { WebhookSecrets } from '../app/ports.ts';

/** The secret's value: `{"current": "…", "previous": "…"}` — rotate by moving current to previous, then replacing it. */
const WebhookSecretValue = z.object({ current: z.string().min(16), previous: z.string().min(16).optional() });

/**
 * Secrets Manager through Powertools' SecretsProvider, which caches each secret for `maxAgeSeconds` per execution
 * environment (a rotation reaches every function within that time; the previous secret stays valid meanwhile).
 * An unknown producer (no such secret) is `undefined`, never an error.
 */
export function secretsManagerWebhookSecrets(prefix: string, maxAgeSeconds = 300): WebhookSecrets {
  const provider = new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({}) });
  return {
    async activeSecrets(producerId) {
      try {
        const value = WebhookSecretValue.parse(await provider.get(`${prefix}${producerId}`, { maxAge: maxAgeSeconds, transform: 'json' }));
        return [value.current, ...(value.previous ? [value.previous] : [])];
      } catch (error) {
        const cause = (error as { cause?: { name?: string } }).cause;
        if ((error as Error).name === 'ResourceNotFoundException' || cause?.name === 'ResourceNotFoundException') return undefined;
        throw error;
      }
    },
  };
}

/** Fixed secrets (the local server's dev secret, tests). */
export function staticWebhookSecrets(secrets: Readonly<Record<string, readonly string[]>>): WebhookSecrets {
  return { activeSecrets: async (producerId) => (Object.hasOwn(secrets, producerId) ? [...(secrets[producerId] ?? [])] : undefined) };
}
