import type { EventPattern } from '../events/define-event.ts';
import { routes } from '../events/routes.ts';

/**
 * Evaluates an EventBridge event pattern against an event, for the local stand-in of the bus. It implements the
 * operators the stack's patterns use (exact values, `anything-but`, `prefix`, `exists`, nested objects) and refuses
 * any other operator loudly, so a pattern that would route differently on AWS cannot pass unnoticed locally.
 */
export function matchesPattern(pattern: EventPattern | Record<string, unknown>, event: unknown): boolean {
  if (typeof event !== 'object' || event === null) return false;
  const record = event as Record<string, unknown>;
  return Object.entries(pattern).every(([field, rule]) => {
    const value = record[field];
    if (Array.isArray(rule)) return matchesValues(rule, value);
    if (typeof rule === 'object' && rule !== null) return matchesPattern(rule as Record<string, unknown>, value);
    throw new Error(`unsupported pattern at "${field}": ${JSON.stringify(rule)}`);
  });
}

function matchesValues(alternatives: readonly unknown[], value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  return alternatives.some((alternative) => {
    if (typeof alternative !== 'object' || alternative === null) return value !== undefined && values.includes(alternative);
    const [operator, operand, ...rest] = Object.entries(alternative).flat();
    if (rest.length > 0) throw new Error(`unsupported compound operator ${JSON.stringify(alternative)}`);
    switch (operator) {
      case 'anything-but': {
        const excluded = Array.isArray(operand) ? operand : [operand];
        return value !== undefined && values.every((v) => !excluded.includes(v));
      }
      case 'prefix':
        return values.some((v) => typeof v === 'string' && v.startsWith(String(operand)));
      case 'exists':
        return (value !== undefined) === operand;
      default:
        throw new Error(`unsupported pattern operator "${String(operator)}"`);
    }
  });
}

/** Whether the bus would deliver `event` to the ingest queue, by the patterns the stack deploys. */
export function routesToIngest(event: unknown): boolean {
  return routes.some((route) => route.target === 'ingest-queue' && matchesPattern(route.pattern, event));
}
