/**
 * The wiring of a deployed function: the module-scope DynamoDB client, the tables and bus its environment names,
 * and the one-minute caches of a warm execution environment.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { eventBridgePublisher } from '../adapters/event-bridge-publisher.ts';
import { dynamoClient } from './clients.ts';
import type { Wiring } from './compose.ts';

/** What a function's environment may name (each function's own schema in `functions/catalog.ts` says which). */
export interface DeployedEnv {
  readonly STATE_TABLE?: string;
  readonly EVENTS_TABLE?: string;
  readonly EVENT_BUS_NAME?: string;
}

export function deployedWiring(env: DeployedEnv): Wiring {
  const busName = env.EVENT_BUS_NAME;
  return {
    dynamo: dynamoClient,
    tables: { ...(env.STATE_TABLE ? { state: env.STATE_TABLE } : {}), ...(env.EVENTS_TABLE ? { events: env.EVENTS_TABLE } : {}) },
    ...(busName ? { publisher: () => eventBridgePublisher(new EventBridgeClient({}), busName) } : {}),
  };
}
