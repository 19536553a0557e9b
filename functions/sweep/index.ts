import { alertingOf, budgetedConfigOf } from '../../shared/runtime/compose.ts';
import { deployedWiring } from '../../shared/runtime/deployed.ts';
import { parseEnv } from '../../shared/runtime/env.ts';
import { observability } from '../../shared/runtime/observability.ts';
import { scheduledTime } from '../../shared/runtime/scheduled-time.ts';
import { FUNCTION_CATALOG } from '../catalog.ts';
import { makeHandler } from './sweep.ts';

const wiring = deployedWiring(parseEnv(FUNCTION_CATALOG.sweep.env));

export const handler = makeHandler({
  alerting: alertingOf(wiring),
  // Pacing judges the budgets in force: the configured ones with finance's approvals on top.
  config: budgetedConfigOf(wiring),
  // The schedule's own time: a delayed invocation still judges the moment it was meant for.
  clock: scheduledTime,
  ...observability('sweep'),
});
