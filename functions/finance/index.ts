import { budgetingOf } from '../../shared/runtime/compose.ts';
import { deployedWiring } from '../../shared/runtime/deployed.ts';
import { parseEnv } from '../../shared/runtime/env.ts';
import { observability } from '../../shared/runtime/observability.ts';
import { FUNCTION_CATALOG } from '../catalog.ts';
import { makeHandler } from './finance.ts';

const env = parseEnv(FUNCTION_CATALOG.finance.env);
const wiring = deployedWiring(env);

// A review judges the budgets in force now: budgeting reads the configuration fresh.
export const handler = makeHandler({
  budgeting: budgetingOf(wiring),
  financeRole: env.FINANCE_ROLE,
  readerRoles: env.READER_ROLES,
  clock: Date.now,
  ...observability('finance'),
});
