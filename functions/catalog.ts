/**
 * Every Lambda function, once: its entry file and the environment it parses at cold start. Each `index.ts` parses
 * its schema from here, and the CDK stack builds the functions from here — a variable the code needs and the stack
 * does not set is a type error in `infra/`, not a failed cold start in production.
 */
import { fileURLToPath } from 'node:url';
import * as z from 'zod';

const name = z.string().min(1);
const STATE_TABLE = name;
const EVENTS_TABLE = name;
const EVENT_BUS_NAME = name;
/** A comma-separated list of role names. */
const READER_ROLES = z.string().transform((s) =>
  s
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean),
);

export const FUNCTION_CATALOG = {
  ingest: {
    description: 'Admits inbound events from the ingest queue: stores each once, quarantines the rest.',
    env: z.object({ EVENTS_TABLE, STATE_TABLE }),
  },
  aggregate: {
    description: 'Aggregates the events table stream into hour buckets exactly once, then evaluates the rules.',
    env: z.object({ STATE_TABLE, EVENT_BUS_NAME }),
  },
  sweep: {
    description: 'Every 15 minutes: pacing forecasts, stale feeds, period ends, reminders; drains alert outboxes.',
    env: z.object({ STATE_TABLE, EVENT_BUS_NAME }),
  },
  propose: {
    description: 'After each business day closes: budget reallocation proposals; expires outdated ones.',
    env: z.object({ STATE_TABLE, EVENT_BUS_NAME }),
  },
  review: {
    description: 'After each business day closes: the daily, weekly (Sunday) and monthly (last day) reviews, stored and published.',
    env: z.object({ STATE_TABLE, EVENT_BUS_NAME }),
  },
  finance: {
    description: 'Finance review API: budgets, proposals, approve, reject, audit.',
    env: z.object({
      STATE_TABLE,
      EVENT_BUS_NAME,
      FINANCE_ROLE: name,
      READER_ROLES,
    }),
  },
  console: {
    description: "The console's API: who am I, the channel overview, the alert list, acknowledging an alert.",
    env: z.object({ STATE_TABLE, EVENT_BUS_NAME, READER_ROLES }),
  },
  notify: {
    description:
      'Alert events and review digests to the ops topic (with rule, severity and channelId attributes) and to the chat bots in the chat-targets secret, in the configured locale.',
    env: z.object({ ALERTS_TOPIC_ARN: name, CHAT_TARGETS_SECRET: name, STATE_TABLE, CONSOLE_URL: z.string().optional() }),
  },
  webhook: {
    description:
      "Signed producer webhooks (HMAC-SHA256 over timestamp.body) and the platforms' own pushes (Shopify, Douyin: their signatures, the connectors); puts the events on the bus.",
    env: z.object({ EVENT_BUS_NAME, WEBHOOK_SECRET_PREFIX: name, PLATFORM_SECRET_PREFIX: name, STATE_TABLE }),
  },
  pull: {
    description:
      "Hourly and daily: pulls the mapped ad accounts' campaign-day reports (Meta Insights, Google Ads) and puts them on the bus as Ad Spend Reported.",
    env: z.object({
      STATE_TABLE,
      EVENT_BUS_NAME,
      PULL_SECRET_PREFIX: name,
      /** The APIs' base URLs, to pin an API version (defaults: the versions the connectors were written against). */
      META_GRAPH_URL: z.string().optional(),
      GOOGLE_ADS_URL: z.string().optional(),
    }),
  },
} as const;

export type FunctionName = keyof typeof FUNCTION_CATALOG;

/** The variables a function's environment must set (input side: what the stack writes). */
export type FunctionEnvironment<N extends FunctionName> = { [K in keyof z.input<(typeof FUNCTION_CATALOG)[N]['env']>]: string };

/** Absolute path of a function's entry file (what NodejsFunction bundles). */
export const entryOf = (fn: FunctionName): string => fileURLToPath(new URL(`./${fn}/index.ts`, import.meta.url));
