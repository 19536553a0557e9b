/**
 * Money: exact amounts in integer minor units (`bigint`), per ISO 4217 currency.
 *
 * Amounts never pass through binary floating point arithmetic. A JSON number is accepted only through its
 * shortest round-trip decimal text (what `String(n)` prints), which for any value a producer can mean with at
 * most the currency's minor digits is exactly the decimal they wrote; anything with more digits, an exponent,
 * a sign or beyond {@link MAX_MAJOR_DIGITS} integer digits is refused rather than rounded.
 */

/** Largest number of integer (major-unit) digits an amount may have: 10^12 major units is far beyond any sale. */
export const MAX_MAJOR_DIGITS = 12;

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;
const digitsCache = new Map<string, number>();
let knownCurrencies: Set<string> | undefined;

/** Whether `code` is an ISO 4217 currency this runtime's ICU data knows. */
export function isKnownCurrency(code: string): boolean {
  knownCurrencies ??= new Set(Intl.supportedValuesOf('currency'));
  return knownCurrencies.has(code);
}

/**
 * The currency's number of minor-unit digits (CNY, USD: 2; JPY, KRW: 0; KWD: 3), from the runtime's CLDR data,
 * so that no hand-kept table drifts from the standard.
 * @throws Error for a currency code the runtime does not know.
 */
export function minorDigits(currency: string): number {
  const cached = digitsCache.get(currency);
  if (cached !== undefined) return cached;
  if (!isKnownCurrency(currency)) throw new Error(`unknown currency "${currency}"`);
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  digitsCache.set(currency, digits);
  return digits;
}

export type MoneyParse = { ok: true; minor: bigint } | { ok: false; reason: string };

/**
 * Parses a major-unit amount (decimal string or JSON number) into exact minor units of `currency`.
 * Invariant: `formatMoney(parseMoney(x).minor)` denotes the same decimal value as `x`; nothing is rounded.
 */
export function parseMoney(input: unknown, currency: string): MoneyParse {
  let text: string;
  if (typeof input === 'string') text = input;
  else if (typeof input === 'number') {
    if (!Number.isFinite(input)) return { ok: false, reason: 'must be a finite number' };
    if (input < 0 || Object.is(input, -0)) return { ok: false, reason: 'must not be negative' };
    text = String(input);
  } else return { ok: false, reason: 'must be a decimal string or a number' };

  if (text.startsWith('-')) return { ok: false, reason: 'must not be negative' };
  const match = DECIMAL.exec(text);
  if (!match) return { ok: false, reason: `"${text}" is not a plain decimal amount` };
  const [, whole = '', fraction = ''] = match;
  const digits = minorDigits(currency);
  if (fraction.length > digits) {
    return { ok: false, reason: `has ${fraction.length} decimal digits; ${currency} allows at most ${digits}` };
  }
  if (whole.replace(/^0+(?=\d)/, '').length > MAX_MAJOR_DIGITS) {
    return { ok: false, reason: `exceeds the maximum of ${MAX_MAJOR_DIGITS} integer digits` };
  }
  return { ok: true, minor: BigInt(whole + fraction.padEnd(digits, '0')) };
}

/** Formats minor units as a major-unit decimal string with exactly the currency's minor digits ("1520.50"). */
export function formatMoney(minor: bigint, currency: string): string {
  const digits = minorDigits(currency);
  const negative = minor < 0n;
  const text = (negative ? -minor : minor).toString().padStart(digits + 1, '0');
  const whole = digits === 0 ? text : text.slice(0, -digits);
  const body = digits === 0 ? whole : `${whole}.${text.slice(-digits)}`;
  return negative ? `-${body}` : body;
}
