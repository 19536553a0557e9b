import { budgetingOf, freshConfigOf } from '../../shared/runtime/compose.ts';
import { deployedWiring } from '../../shared/runtime/deployed.ts';
import { parseEnv } from '../../shared/runtime/env.ts';
import { observability } from '../../shared/runtime/observability.ts';
import { scheduledTime } from '../../shared/runtime/scheduled-time.ts';
import { FUNCTION_CATALOG } from '../catalog.ts';
import { makeHandler } from './propose.ts';

const wiring = deployedWiring(parseEnv(FUNCTION_CATALOG.propose.env));

// The daily job judges the configuration as stored now (no cache): a retry proposes from the same plan.
export const handler = makeHandler({ budgeting: budgetingOf(wiring), config: freshConfigOf(wiring), clock: scheduledTime, ...observability('propose') });
