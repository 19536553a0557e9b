import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { dynamoAggregateStore } from '../../shared/adapters/aggregate-store.ts';
import { dynamoAlertStore } from '../../shared/adapters/alert-store.ts';
import { budgetedConfigSource, dynamoBudgetStore } from '../../shared/adapters/budget-store.ts';
import { dynamoConfigSource } from '../../shared/adapters/config-store.ts';
import { eventBridgePublisher } from '../../shared/adapters/publisher.ts';
import { makeAlerting } from '../../shared/app/alerting.ts';
import { dynamoClient } from '../../shared/runtime/clients.ts';
import { parseEnv } from '../../shared/runtime/env.ts';
import { scheduledTime } from '../../shared/runtime/scheduled-time.ts';
import { FUNCTION_CATALOG } from '../catalog.ts';
import { observability } from '../../shared/runtime/observability.ts';
import { makeHandler } from './sweep.ts';

const env = parseEnv(FUNCTION_CATALOG.sweep.env);

export const handler = makeHandler({
  alerting: makeAlerting({
    alerts: dynamoAlertStore(dynamoClient, env.STATE_TABLE),
    aggregates: dynamoAggregateStore(dynamoClient, env.STATE_TABLE),
    publisher: eventBridgePublisher(new EventBridgeClient({}), env.EVENT_BUS_NAME),
  }),
  // Pacing judges the budgets in force: the configured ones with finance's approvals on top.
  config: budgetedConfigSource(dynamoConfigSource(dynamoClient, env.STATE_TABLE), dynamoBudgetStore(dynamoClient, env.STATE_TABLE)),
  // The schedule's own time: a delayed invocation still judges the moment it was meant for.
  clock: scheduledTime,
  ...observability('sweep'),
});
