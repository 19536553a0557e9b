import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMoney, minorDigits, parseMoney } from '../../shared/kernel/money.ts';

const minor = (input: unknown, currency = 'CNY') => {
  const result = parseMoney(input, currency);
  if (!result.ok) throw new Error(result.reason);
  return result.minor;
};

describe('parseMoney', () => {
  it.each([
    ['1520.50', 152050n],
    ['1520.5', 152050n],
    ['0', 0n],
    ['0.01', 1n],
    ['007.10', 710n],
    [1520.5, 152050n],
    [0.1, 10n],
    [19.99, 1999n],
    [100, 10000n],
  ])('reads %j exactly as %s fen', (input, expected) => {
    expect(minor(input)).toBe(expected);
  });

  it('knows zero-decimal and three-decimal currencies', () => {
    expect(minorDigits('JPY')).toBe(0);
    expect(minorDigits('KWD')).toBe(3);
    expect(minor('500000', 'JPY')).toBe(500000n);
    expect(minor(1999, 'JPY')).toBe(1999n);
    expect(minor('1.234', 'KWD')).toBe(1234n);
    expect(parseMoney('100.5', 'JPY')).toEqual({ ok: false, reason: 'has 1 decimal digits; JPY allows at most 0' });
    expect(parseMoney('100.', 'JPY').ok).toBe(false);
  });

  it.each([
    ['12.345', 'CNY'],
    [12.345, 'CNY'],
    ['-1.00', 'CNY'],
    [-1, 'CNY'],
    [-0, 'CNY'],
    ['1e3', 'CNY'],
    [1e21, 'CNY'],
    ['1,000.00', 'CNY'],
    [' 1.00', 'CNY'],
    ['', 'CNY'],
    ['.5', 'CNY'],
    [Number.NaN, 'CNY'],
    [Number.POSITIVE_INFINITY, 'CNY'],
    ['1000000000000.00', 'CNY'],
    [null, 'CNY'],
    [{}, 'CNY'],
  ])('refuses %j (%s)', (input, currency) => {
    expect(parseMoney(input, currency).ok).toBe(false);
  });

  it('accepts the largest allowed amount and refuses one digit more', () => {
    expect(minor('999999999999.99')).toBe(99999999999999n);
    expect(parseMoney('1999999999999.99', 'CNY').ok).toBe(false);
  });

  it('round-trips every amount through formatMoney in every digit class', () => {
    fc.assert(
      fc.property(
        fc
          .constantFrom('CNY', 'USD', 'JPY', 'KWD')
          .chain((currency) => fc.tuple(fc.constant(currency), fc.bigInt({ min: 0n, max: 10n ** BigInt(12 + minorDigits(currency)) - 1n }))),
        ([currency, amount]) => {
          expect(minor(formatMoney(amount, currency), currency)).toBe(amount);
        },
      ),
    );
  });

  it('formats with exactly the currency digits', () => {
    expect(formatMoney(152050n, 'CNY')).toBe('1520.50');
    expect(formatMoney(5n, 'CNY')).toBe('0.05');
    expect(formatMoney(0n, 'USD')).toBe('0.00');
    expect(formatMoney(500000n, 'JPY')).toBe('500000');
    expect(formatMoney(-150n, 'CNY')).toBe('-1.50');
  });
});

describe('exact sums', () => {
  it('sums two million cent amounts with no drift where floating point drifts', () => {
    let exact = 0n;
    let float = 0;
    let expectedCents = 0n;
    for (let i = 0; i < 2_000_000; i++) {
      const cents = (i * 7919) % 100_000; // 0.00 .. 999.99, deterministic spread
      const text = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
      exact += minor(text);
      float += Number(text);
      expectedCents += BigInt(cents);
    }
    expect(exact).toBe(expectedCents);
    expect(formatMoney(exact, 'CNY')).toBe(`${expectedCents / 100n}.${String(expectedCents % 100n).padStart(2, '0')}`);
    // The float sum of the same decimals is not exact: this is what the design avoids.
    expect(float).not.toBe(Number(expectedCents) / 100);
  });

  it('adds 0.1 ten million times exactly', () => {
    let exact = 0n;
    const tenth = minor('0.10');
    for (let i = 0; i < 10_000_000; i++) exact += tenth;
    expect(formatMoney(exact, 'CNY')).toBe('1000000.00');
  });
});
