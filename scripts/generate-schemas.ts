/**
 * `npm run schemas`: writes one JSON Schema (draft 2020-12) per event into events/schemas/, generated from the
 * zod definitions in events/ — the schemas producers validate against can never drift from what ingest enforces.
 * `--check` (run in CI) fails if a committed schema is missing or out of date.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import type { EventDefinition } from '../events/define-event.ts';
import { inboundEvents } from '../events/inbound.ts';
import { outboundEvents } from '../events/outbound.ts';

const OUT = join(import.meta.dirname, '..', 'events', 'schemas');
const fileName = (d: EventDefinition) => `${d.detailType.toLowerCase().replace(/\s+/g, '-')}.schema.json`;

function schemaFor(definition: EventDefinition): unknown {
  const detail = z.toJSONSchema(definition.detail, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
  delete detail.$schema;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://channel-sentinel.dev/schemas/${fileName(definition)}`,
    title: definition.detailType,
    description: definition.source
      ? `${definition.description} Published by Channel Sentinel in EventBridge's shape with source "${definition.source}"; amounts are decimal strings in major units.`
      : `${definition.description} Delivered in EventBridge's shape, from any producer source. Amounts are decimal strings (or JSON numbers) in major units with at most the currency's minor digits; occurredAt is ISO 8601 with an offset.`,
    type: 'object',
    required: ['source', 'detail-type', 'time', 'detail'],
    properties: {
      source: definition.source ? { const: definition.source } : { type: 'string', minLength: 1 },
      'detail-type': { const: definition.detailType },
      time: { type: 'string', format: 'date-time', description: 'When the event reached the bus (arrival).' },
      detail,
    },
  };
}

const expected = new Map([...inboundEvents, ...outboundEvents].map((d) => [fileName(d), `${JSON.stringify(schemaFor(d), null, 2)}\n`]));

if (process.argv.includes('--check')) {
  const stale: string[] = [];
  for (const [name, text] of expected) {
    let current = '';
    try {
      current = readFileSync(join(OUT, name), 'utf8');
    } catch {
      /* missing counts as stale */
    }
    if (current !== text) stale.push(name);
  }
  const extra = readdirSync(OUT).filter((f) => f.endsWith('.schema.json') && !expected.has(f));
  if (stale.length + extra.length > 0) {
    console.error(
      `events/schemas is out of date (${[...stale, ...extra.map((f) => `${f} (no longer defined)`)].join(', ')}): run npm run schemas and commit the result`,
    );
    process.exit(1);
  }
  console.log(`events/schemas: ${expected.size} schemas up to date`);
} else {
  mkdirSync(OUT, { recursive: true });
  for (const [name, text] of expected) writeFileSync(join(OUT, name), text);
  console.log(`wrote ${expected.size} schemas to events/schemas/`);
}
