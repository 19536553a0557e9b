import { aggregatesOf, alertingOf, budgetedConfigOf } from '../../shared/runtime/compose.ts';
import { deployedWiring } from '../../shared/runtime/deployed.ts';
import { parseEnv } from '../../shared/runtime/env.ts';
import { observability } from '../../shared/runtime/observability.ts';
import { FUNCTION_CATALOG } from '../catalog.ts';
import { makeHandler } from './aggregate.ts';

const wiring = deployedWiring(parseEnv(FUNCTION_CATALOG.aggregate.env));

export const handler = makeHandler({
  aggregates: aggregatesOf(wiring),
  // Pacing judges the budgets in force: the configured ones with finance's approvals on top.
  alerting: { service: alertingOf(wiring), config: budgetedConfigOf(wiring), clock: Date.now },
  ...observability('aggregate'),
});
