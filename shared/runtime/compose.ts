/**
 * The composition root: the one place where adapters are chosen and handed to the use cases. Every deployed
 * function's `index.ts`, the local pipeline and the local server build their services here, so "what runs on AWS"
 * and "what runs on a laptop" differ only in the wiring passed in (client, tables, publisher, cache age), never in
 * how the parts fit together.
 *
 * Each service is built on first use, once per wiring, by its own function: a bundle holds only the services its
 * function asks for (esbuild drops the rest), and two services that share a store share one instance.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoAggregateStore } from '../adapters/aggregate-store.ts';
import { singleWriterCache } from '../adapters/aggregate-cache.ts';
import { singleWriterAlerts } from '../adapters/alert-cache.ts';
import { dynamoAlertStore } from '../adapters/alert-store.ts';
import { dynamoBudgetStore } from '../adapters/budget-store.ts';
import { dynamoConfigSource } from '../adapters/config-store.ts';
import { dynamoEventStore } from '../adapters/event-store.ts';
import { dynamoIntakeLog } from '../adapters/intake-log.ts';
import {
  memoryAggregateStore,
  memoryAlertStore,
  memoryBudgetStore,
  memoryEventStore,
  memoryIntakeLog,
  memoryReviewStore,
  staticConfigSource,
} from '../adapters/memory.ts';
import { dynamoReviewStore } from '../adapters/review-store.ts';
import { makeReviewing } from '../app/reviewing.ts';
import { dynamoOutbox } from '../adapters/outbox.ts';
import type { TableNames } from '../adapters/tables.ts';
import { makeAcknowledging } from '../app/acknowledging.ts';
import { dynamoSilenceStore } from '../adapters/silence-store.ts';
import { makeSilencing } from '../app/silencing.ts';
import { makeAlerting } from '../app/alerting.ts';
import { budgetedConfigSource } from '../app/budgeted-config.ts';
import { makeBudgeting } from '../app/budgeting.ts';
import type { AggregateReader, AggregateStore, AlertStore, BudgetStore, EventPublisher, EventStore } from '../app/ports.ts';
import { budgetsHashOf } from '../domain/budgets/book.ts';
import type { SentinelConfig } from '../domain/config.ts';

export interface Wiring {
  /** The DynamoDB client, asked for on first use (a function that stores nothing never creates one). */
  readonly dynamo: () => DynamoDBClient;
  /** The tables a function was given; a service asking for one it was not given fails at first use. */
  readonly tables: Partial<TableNames>;
  /** Where outbound events go: EventBridge on AWS, the local router's stand-in locally. Built on first use. */
  readonly publisher?: () => EventPublisher;
  /** Cache age of the configuration and of the budget book behind the budgeted configuration (default a minute). */
  readonly cacheMs?: number;
  /**
   * This process is the only writer of its aggregates and alert states (the embedded runtime): a channel's hours and
   * alert states are read once and kept current by its own writes (`shared/adapters/aggregate-cache.ts`,
   * `alert-cache.ts`), and an outbox found empty is not read again until something is saved into it. Never on AWS,
   * where shards, the sweep and the API write concurrently from several processes.
   */
  readonly singleWriter?: boolean;
  /** Wraps the storage adapters (fault injection in tests; absent in production). */
  readonly wrap?: {
    events?(store: EventStore): EventStore;
    aggregates?(store: AggregateStore & AggregateReader): AggregateStore & AggregateReader;
  };
}

const built = new WeakMap<Wiring, Map<string, unknown>>();

/** The wiring's `name` service, built by `build` the first time it is asked for. */
function once<T>(wiring: Wiring, name: string, build: () => T): T {
  let services = built.get(wiring);
  if (!services) built.set(wiring, (services = new Map()));
  if (!services.has(name)) services.set(name, build());
  return services.get(name) as T;
}

const dynamo = (w: Wiring) => once(w, 'dynamo', w.dynamo);
const stateTable = (w: Wiring) => tableOf(w, 'state');
function tableOf(w: Wiring, name: keyof TableNames): string {
  const value = w.tables[name];
  if (value === undefined) throw new Error(`this function was not given the ${name} table`);
  return value;
}
const cacheMs = (w: Wiring) => w.cacheMs ?? 60_000;

export const publisherOf = (w: Wiring): EventPublisher =>
  once(w, 'publisher', () => {
    if (!w.publisher) throw new Error('this function was given no event publisher');
    return w.publisher();
  });

export const aggregatesOf = (w: Wiring): AggregateStore & AggregateReader =>
  once(w, 'aggregates', () => {
    const table = dynamoAggregateStore(dynamo(w), stateTable(w));
    const store = w.singleWriter ? singleWriterCache(table) : table;
    return w.wrap?.aggregates?.(store) ?? store;
  });

export const alertsOf = (w: Wiring): AlertStore =>
  once(w, 'alerts', () => {
    const table = dynamoAlertStore(dynamo(w), stateTable(w));
    return w.singleWriter ? singleWriterAlerts(table) : table;
  });

export const eventsOf = (w: Wiring): EventStore =>
  once(w, 'events', () => {
    const store = dynamoEventStore(dynamo(w), tableOf(w, 'events'));
    return w.wrap?.events?.(store) ?? store;
  });

export const intakeOf = (w: Wiring) => once(w, 'intake', () => dynamoIntakeLog(dynamo(w), stateTable(w)));

/** The stored configuration (the plan: budgets as configured), cached for the wiring's cache age. */
export const configOf = (w: Wiring) => once(w, 'config', () => dynamoConfigSource(dynamo(w), stateTable(w), cacheMs(w)));

/** The stored configuration read fresh every time: what a review or the daily job must judge. */
export const freshConfigOf = (w: Wiring) => once(w, 'freshConfig', () => dynamoConfigSource(dynamo(w), stateTable(w), 0));

export const budgetsOf = (w: Wiring): BudgetStore =>
  once(w, 'budgets', () => {
    const store = dynamoBudgetStore(dynamo(w), stateTable(w));
    return {
      ...store,
      // A decision made in this process is in force here at once, whatever the cache age.
      async decide(...args) {
        const result = await store.decide(...args);
        (built.get(w)?.get('budgetedConfig') as ReturnType<typeof budgetedConfigSource> | undefined)?.invalidate();
        return result;
      },
    };
  });

/** The configuration with the budgets in force overlaid: what pacing and the console judge against. */
export const silencesOf = (w: Wiring) => once(w, 'silences', () => dynamoSilenceStore(dynamo(w), stateTable(w)));

export const budgetedConfigOf = (w: Wiring) =>
  once(w, 'budgetedConfig', () => budgetedConfigSource(configOf(w), budgetsOf(w), cacheMs(w), Date.now, silencesOf(w)));

export const alertingOf = (w: Wiring) =>
  once(w, 'alerting', () => makeAlerting({ alerts: alertsOf(w), aggregates: aggregatesOf(w), publisher: publisherOf(w) }));

export const silencingOf = (w: Wiring) => once(w, 'silencing', () => makeSilencing({ silences: silencesOf(w) }));

export const acknowledgingOf = (w: Wiring) => once(w, 'acknowledging', () => makeAcknowledging({ alerts: alertsOf(w), publisher: publisherOf(w) }));

export const budgetingOf = (w: Wiring) =>
  once(w, 'budgeting', () =>
    makeBudgeting({
      aggregates: aggregatesOf(w),
      alerts: alertsOf(w),
      budgets: budgetsOf(w),
      outbox: dynamoOutbox(dynamo(w), stateTable(w)),
      publisher: publisherOf(w),
      config: freshConfigOf(w),
    }),
  );

export const reviewsOf = (w: Wiring) => once(w, 'reviews', () => dynamoReviewStore(dynamo(w), stateTable(w)));

export const reviewingOf = (w: Wiring) =>
  once(w, 'reviewing', () =>
    makeReviewing({
      aggregates: aggregatesOf(w),
      alerts: alertsOf(w),
      budgets: budgetsOf(w),
      reviews: reviewsOf(w),
      outbox: dynamoOutbox(dynamo(w), stateTable(w)),
      publisher: publisherOf(w),
    }),
  );

/**
 * Every service on in-memory adapters (`shared/adapters/memory.ts`): the same use cases with no database, for
 * `sentinel backtest`. The configuration is fixed for the run, so nothing is cached on a timer.
 */
export function memoryServices(config: SentinelConfig, publisher: EventPublisher) {
  const events = memoryEventStore();
  const intake = memoryIntakeLog();
  const aggregates = memoryAggregateStore();
  const alerts = memoryAlertStore();
  const configSource = staticConfigSource(config);
  const budgets = memoryBudgetStore(alerts.outbox, () => budgetsHashOf(config));
  const reviews = memoryReviewStore(alerts.outbox);
  return {
    events,
    intake,
    aggregates,
    alerts,
    budgets,
    config: configSource,
    budgetedConfig: budgetedConfigSource(configSource, budgets, Number.POSITIVE_INFINITY),
    alerting: makeAlerting({ alerts, aggregates, publisher }),
    budgeting: makeBudgeting({ aggregates, alerts, budgets, outbox: alerts.outbox, publisher, config: configSource }),
    reviewing: makeReviewing({ aggregates, alerts, budgets, reviews, outbox: alerts.outbox, publisher }),
  };
}
