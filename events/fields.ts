/**
 * The field types the contract is made of, defined once: inbound details, outbound details and the configuration
 * document all take their identifiers, instants, currencies and region codes from here, so "an ISO 8601 instant
 * with an offset" means one thing everywhere and its JSON Schema says so the same way.
 */
import * as z from 'zod';
import { isKnownCurrency } from '../shared/kernel/money.ts';
import { parseInstant } from '../shared/kernel/time.ts';

/** A lone UTF-16 surrogate: not text. Stored as UTF-8 it would become U+FFFD, and two distinct ids one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * An id a producer or an operator chose (eventId, channelId, storeId, sku, …): non-empty, at most 128 characters,
 * well-formed Unicode.
 */
export const identifier = z
  .string()
  .min(1)
  .max(128)
  .refine((s) => !LONE_SURROGATE.test(s), 'must be well-formed Unicode (it has a lone surrogate)');

/** An ISO 8601 timestamp with an offset (or `Z`) naming a real calendar date. */
export const instant = z
  .string()
  .refine((s) => parseInstant(s) !== null, 'must be an ISO 8601 timestamp with an offset, e.g. 2025-01-15T18:00:00+08:00')
  .meta({ format: 'date-time' });

/** A three-letter ISO 4217 code the runtime knows (its minor-unit digits come from CLDR). */
export const currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be a three-letter ISO 4217 code')
  .refine(isKnownCurrency, 'is not a known ISO 4217 currency');

/** An ISO 3166-2 subdivision code, e.g. CN-31 (Shanghai): a ship-to region or an authorised territory. */
export const region = z.string().regex(/^[A-Z]{2}-[A-Z0-9]{1,3}$/, 'must be an ISO 3166-2 code like CN-31');

/** A business day, `YYYY-MM-DD` in the configured timezone. */
export const businessDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a business day YYYY-MM-DD')
  .refine((s) => {
    const ms = Date.parse(`${s}T00:00:00Z`);
    return !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(s);
  }, 'must name a real calendar date')
  .meta({ format: 'date' });
