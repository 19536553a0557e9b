import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { inboundEvents } from '../../events/inbound.ts';
import { admit } from '../../shared/domain/admission.ts';
import { config, envelope, validDetail } from '../fixtures.ts';

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats.default(ajv);
const schemaOf = (detailType: string) =>
  JSON.parse(readFileSync(join('events', 'schemas', `${detailType.toLowerCase().replace(/\s+/g, '-')}.schema.json`), 'utf8'));

describe('published JSON Schemas', () => {
  for (const definition of inboundEvents) {
    const validate = ajv.compile(schemaOf(definition.detailType));
    it(`${definition.detailType}: accepts what ingest accepts`, () => {
      const event = envelope(definition, validDetail(definition));
      expect(admit(JSON.stringify(event), config()).ok).toBe(true);
      expect(validate(event), JSON.stringify(validate.errors)).toBe(true);
    });
    it(`${definition.detailType}: rejects a missing eventId, a negative count and another detail-type`, () => {
      const { eventId: _dropped, ...detail } = validDetail(definition);
      expect(validate(envelope(definition, detail))).toBe(false);
      expect(validate(envelope(definition, { ...validDetail(definition), visits: -1, impressions: -1, lines: [] }))).toBe(
        definition.detailType === 'Refund Recorded',
      );
      expect(validate(envelope('Something Else', validDetail(definition)))).toBe(false);
    });
  }
});
