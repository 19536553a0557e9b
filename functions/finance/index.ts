import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { dynamoAggregateStore } from '../../shared/adapters/aggregate-store.ts';
import { dynamoAlertStore } from '../../shared/adapters/alert-store.ts';
import { dynamoBudgetStore } from '../../shared/adapters/budget-store.ts';
import { dynamoConfigSource } from '../../shared/adapters/config-store.ts';
import { dynamoOutbox } from '../../shared/adapters/outbox.ts';
import { eventBridgePublisher } from '../../shared/adapters/publisher.ts';
import { makeBudgeting } from '../../shared/app/budgeting.ts';
import { dynamoClient } from '../../shared/runtime/clients.ts';
import { parseEnv } from '../../shared/runtime/env.ts';
import { FUNCTION_CATALOG } from '../catalog.ts';
import { observability } from '../../shared/runtime/observability.ts';
import { makeHandler } from './finance.ts';

const env = parseEnv(FUNCTION_CATALOG.finance.env);

export const handler = makeHandler({
  budgeting: makeBudgeting({
    aggregates: dynamoAggregateStore(dynamoClient, env.STATE_TABLE),
    alerts: dynamoAlertStore(dynamoClient, env.STATE_TABLE),
    budgets: dynamoBudgetStore(dynamoClient, env.STATE_TABLE),
    outbox: dynamoOutbox(dynamoClient, env.STATE_TABLE),
    publisher: eventBridgePublisher(new EventBridgeClient({}), env.EVENT_BUS_NAME),
    // A review judges the budgets in force now: no cached configuration.
    config: dynamoConfigSource(dynamoClient, env.STATE_TABLE, 0),
  }),
  financeRole: env.FINANCE_ROLE,
  readerRoles: env.READER_ROLES,
  clock: Date.now,
  ...observability('finance'),
});
