/**
 * Reading platform payloads without losing what they say. Platforms send ids beyond 2^53 as JSON numbers (Shopify's
 * order ids), money as decimal text or floating-point numbers (Meta "5339.5", Google `conversionsValue` 30500.5) and
 * int64 as strings (Google `costMicros`). `parseExact` keeps every JSON number as its source text (Node ≥ 22's
 * `JSON.parse` reviver context), and the decimal helpers round in decimal, never through binary floating point.
 */
import { minorDigits } from '../shared/kernel/money.ts';

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

/** JSON with every number replaced by its exact source text (a string); everything else as `JSON.parse` gives it. */
export function parseExact(text: string): unknown {
  const reviver: Reviver = (_key, value, context) => (typeof value === 'number' && context?.source !== undefined ? context.source : value);
  return JSON.parse(text, reviver as (key: string, value: unknown) => unknown);
}

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * A non-negative decimal text rounded half-up to `digits` places, as text (`"30500.456"`, 2 → `"30500.46"`). `undefined`
 * when it is not a plain non-negative decimal (exponents, signs and the like are refused, not guessed).
 */
export function roundDecimal(text: string, digits: number): string | undefined {
  const match = DECIMAL.exec(text.trim());
  if (!match) return undefined;
  const [, whole = '0', fraction = ''] = match;
  const scaled = BigInt(whole + fraction.padEnd(digits + 1, '0').slice(0, digits + 1));
  const rounded = (scaled + 5n) / 10n;
  if (digits === 0) return rounded.toString();
  const s = rounded.toString().padStart(digits + 1, '0');
  return `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

/** A decimal count rounded half-up to an integer (Meta's and Google's fractional, modelled conversions). */
export function roundCount(text: string): number | undefined {
  const rounded = roundDecimal(text, 0);
  return rounded === undefined ? undefined : Number(rounded);
}

/** Micros of a currency (Google Ads `cost_micros`) in major units with the currency's digits, rounded half-up. */
export function microsToMajor(micros: string, currency: string): string | undefined {
  if (!/^\d+$/.test(micros)) return undefined;
  const padded = micros.padStart(7, '0');
  return roundDecimal(`${padded.slice(0, -6)}.${padded.slice(-6)}`, minorDigits(currency));
}

/** Minor units given as an integer (Douyin's fen) in major units: exact, no rounding. */
export function minorToMajor(minor: string, currency: string): string | undefined {
  if (!/^\d+$/.test(minor)) return undefined;
  const digits = minorDigits(currency);
  if (digits === 0) return BigInt(minor).toString();
  const s = BigInt(minor)
    .toString()
    .padStart(digits + 1, '0');
  return `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}
