import { acknowledgingOf, aggregatesOf, alertsOf, budgetedConfigOf, intakeOf, reviewingOf, silencingOf } from '../../shared/runtime/compose.ts';
import { deployedWiring } from '../../shared/runtime/deployed.ts';
import { parseEnv } from '../../shared/runtime/env.ts';
import { observability } from '../../shared/runtime/observability.ts';
import { FUNCTION_CATALOG } from '../catalog.ts';
import { directoryAssets } from './assets.ts';
import { makeHandler } from './console.ts';

const env = parseEnv(FUNCTION_CATALOG.console.env);
const wiring = deployedWiring(env);

export const handler = makeHandler({
  // Copied next to the bundle at deploy (infra/constructs/api.ts); served at /console/, the API one level up.
  assets: directoryAssets(new URL('./console/', import.meta.url).pathname, '..'),
  aggregates: aggregatesOf(wiring),
  alerts: alertsOf(wiring),
  acknowledging: acknowledgingOf(wiring),
  silencing: silencingOf(wiring),
  intake: intakeOf(wiring),
  reviewing: reviewingOf(wiring),
  config: budgetedConfigOf(wiring),
  readerRoles: env.READER_ROLES,
  clock: Date.now,
  ...observability('console'),
});
