import type * as z from 'zod';

/**
 * One event's contract, shared by everything that touches it (after SST v2's `event()`): the publisher validates
 * with `detail` before PutEvents, subscribers parse with it, CDK rules and the local router take their patterns
 * from `pattern`, tests build fixtures from it and `npm run schemas` publishes its JSON Schema.
 */
export interface EventDefinition<Detail extends z.ZodType = z.ZodType> {
  /** Fixed source for our own events; `undefined` for inbound events, which any producer may send. */
  readonly source: string | undefined;
  readonly detailType: string;
  readonly detail: Detail;
  readonly description: string;
}

/** An EventBridge event pattern (the subset of its grammar this project uses). */
export type EventPattern = Record<string, readonly (string | Record<string, unknown>)[]>;

export function defineEvent<Detail extends z.ZodType>(definition: EventDefinition<Detail>): EventDefinition<Detail> {
  return Object.freeze(definition);
}

/** The pattern that matches exactly these definitions' detail-types (and their source, when all share one). */
export function patternFor(definitions: readonly EventDefinition[]): EventPattern {
  const pattern: EventPattern = { 'detail-type': definitions.map((d) => d.detailType) };
  const sources = [...new Set(definitions.map((d) => d.source))];
  if (sources.length === 1 && sources[0] !== undefined) pattern.source = [sources[0]];
  return pattern;
}
