import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import type { GoogleAdsCredentials, MetaCredentials } from './ad-platforms.ts';

/** `sentinel/{stage}/pull/meta`: a system user's access token with ads_read on the mapped ad accounts. */
const MetaSecret = z.object({ accessToken: z.string().min(10) });
/** `sentinel/{stage}/pull/google-ads`: the developer token and an OAuth client's refresh token. */
const GoogleAdsSecret = z.object({
  developerToken: z.string().min(5),
  clientId: z.string().min(5),
  clientSecret: z.string().min(5),
  refreshToken: z.string().min(5),
  loginCustomerId: z.string().optional(),
});

/**
 * The pull credentials from Secrets Manager (cached per execution environment). A secret still holding the
 * deploy's placeholder (`{}`) or missing is `undefined`: that platform's accounts are reported as not pullable.
 */
export async function secretsManagerPullCredentials(prefix: string): Promise<{ meta?: MetaCredentials; googleAds?: GoogleAdsCredentials }> {
  const provider = new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({}) });
  const read = async <T>(name: string, schema: z.ZodType<T>): Promise<T | undefined> => {
    try {
      const parsed = schema.safeParse(await provider.get(`${prefix}${name}`, { maxAge: 300, transform: 'json' }));
      return parsed.success ? parsed.data : undefined;
    } catch (error) {
      const cause = (error as { cause?: { name?: string } }).cause;
      if ((error as Error).name === 'ResourceNotFoundException' || cause?.name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  };
  const [meta, googleAds] = await Promise.all([read('meta', MetaSecret), read('google-ads', GoogleAdsSecret)]);
  return { ...(meta ? { meta } : {}), ...(googleAds ? { googleAds } : {}) };
}
