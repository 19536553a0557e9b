import { budgetedConfigOf, reviewingOf } from '../../shared/runtime/compose.ts';
import { deployedWiring } from '../../shared/runtime/deployed.ts';
import { parseEnv } from '../../shared/runtime/env.ts';
import { observability } from '../../shared/runtime/observability.ts';
import { scheduledTime } from '../../shared/runtime/scheduled-time.ts';
import { FUNCTION_CATALOG } from '../catalog.ts';
import { makeHandler } from './review.ts';

const wiring = deployedWiring(parseEnv(FUNCTION_CATALOG.review.env));

export const handler = makeHandler({ reviewing: reviewingOf(wiring), config: budgetedConfigOf(wiring), clock: scheduledTime, ...observability('review') });
