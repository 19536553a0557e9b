import { googleAdsClient, metaInsightsClient } from '../../shared/adapters/ad-platforms.ts';
import { secretsManagerPullCredentials } from '../../shared/adapters/pull-credentials.ts';
import { freshConfigOf, publisherOf } from '../../shared/runtime/compose.ts';
import { deployedWiring } from '../../shared/runtime/deployed.ts';
import { parseEnv } from '../../shared/runtime/env.ts';
import { observability } from '../../shared/runtime/observability.ts';
import { scheduledTime } from '../../shared/runtime/scheduled-time.ts';
import { FUNCTION_CATALOG } from '../catalog.ts';
import { makeHandler } from './pull.ts';

const env = parseEnv(FUNCTION_CATALOG.pull.env);
const wiring = deployedWiring(env);

export const handler = makeHandler({
  clients: async () => {
    const credentials = await secretsManagerPullCredentials(env.PULL_SECRET_PREFIX);
    return {
      ...(credentials.meta ? { meta: metaInsightsClient(credentials.meta, env.META_GRAPH_URL ? { baseUrl: env.META_GRAPH_URL } : {}) } : {}),
      ...(credentials.googleAds ? { googleAds: googleAdsClient(credentials.googleAds, env.GOOGLE_ADS_URL ? { baseUrl: env.GOOGLE_ADS_URL } : {}) } : {}),
    };
  },
  config: freshConfigOf(wiring),
  bus: publisherOf(wiring),
  clock: scheduledTime,
  ...observability('pull'),
});
