import { configOf, eventsOf, intakeOf } from '../../shared/runtime/compose.ts';
import { deployedWiring } from '../../shared/runtime/deployed.ts';
import { parseEnv } from '../../shared/runtime/env.ts';
import { observability } from '../../shared/runtime/observability.ts';
import { FUNCTION_CATALOG } from '../catalog.ts';
import { makeHandler } from './ingest.ts';

const wiring = deployedWiring(parseEnv(FUNCTION_CATALOG.ingest.env));

export const handler = makeHandler({ config: configOf(wiring), events: eventsOf(wiring), intake: intakeOf(wiring), ...observability('ingest') });
