import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketOf, isoWithOffset, parseInstant } from '../../shared/kernel/time.ts';

describe('bucketOf', () => {
  it('puts instants on the business day of the timezone, not UTC', () => {
    expect(bucketOf(Date.parse('2025-01-15T15:59:59Z'), 'Asia/Shanghai')).toEqual({ day: '2025-01-15', hour: '2025-01-15T23' });
    expect(bucketOf(Date.parse('2025-01-15T16:00:00Z'), 'Asia/Shanghai')).toEqual({ day: '2025-01-16', hour: '2025-01-16T00' });
    expect(bucketOf(Date.parse('2025-01-15T18:00:00+08:00'), 'UTC')).toEqual({ day: '2025-01-15', hour: '2025-01-15T10' });
  });

  it('follows daylight saving time', () => {
    // New York springs forward at 2025-03-09 02:00 local (07:00Z): 01:59 EST is followed by 03:00 EDT.
    expect(bucketOf(Date.parse('2025-03-09T06:59:00Z'), 'America/New_York').hour).toBe('2025-03-09T01');
    expect(bucketOf(Date.parse('2025-03-09T07:00:00Z'), 'America/New_York').hour).toBe('2025-03-09T03');
    // Kathmandu is UTC+05:45: quarter-hour offsets are exact too.
    expect(bucketOf(Date.parse('2025-01-15T18:14:59Z'), 'Asia/Kathmandu').day).toBe('2025-01-15');
    expect(bucketOf(Date.parse('2025-01-15T18:15:00Z'), 'Asia/Kathmandu').day).toBe('2025-01-16');
  });

  it('agrees with a direct Intl conversion for any instant (the memo is exact)', () => {
    const direct = (ms: number, timeZone: string) => {
      const parts = Object.fromEntries(
        new Intl.DateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit' })
          .formatToParts(new Date(ms))
          .map((p) => [p.type, p.value]),
      );
      return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}`;
    };
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2030-01-01T00:00:00Z') }),
        fc.constantFrom('Asia/Shanghai', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'UTC'),
        (ms, zone) => {
          expect(bucketOf(ms, zone).hour).toBe(direct(ms, zone));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('parseInstant', () => {
  it.each(['2025-01-15T18:00:00+08:00', '2025-01-15T10:00:00Z', '2025-01-15T10:00:00.123Z', '2025-01-15T18:00+08:00', '2025-01-15T18:00:00+0800'])(
    'accepts %s',
    (text) => {
      expect(parseInstant(text)).not.toBeNull();
    },
  );
  it.each(['2025-01-15T18:00:00', '2025-01-15', '2025-02-30T10:00:00Z', '2025-13-01T10:00:00Z', '2025-01-15T25:00:00Z', 'yesterday', ''])(
    'refuses %s',
    (text) => {
      expect(parseInstant(text)).toBeNull();
    },
  );
  it('reads offsets as the same instant', () => {
    expect(parseInstant('2025-01-15T18:00:00+08:00')).toBe(parseInstant('2025-01-15T10:00:00Z'));
  });
});

describe('isoWithOffset', () => {
  it("writes an instant with the zone's offset at that instant, and reads back as the same instant", () => {
    // Douyin's documented pay_time 1665991178 (Unix seconds) in Shanghai; New York in summer and in winter; UTC.
    expect(isoWithOffset(1665991178_000, 'Asia/Shanghai')).toBe('2022-10-17T15:19:38+08:00');
    expect(isoWithOffset(Date.parse('2025-07-01T12:00:00Z'), 'America/New_York')).toBe('2025-07-01T08:00:00-04:00');
    expect(isoWithOffset(Date.parse('2025-01-15T12:00:00Z'), 'America/New_York')).toBe('2025-01-15T07:00:00-05:00');
    expect(isoWithOffset(Date.parse('2025-01-15T12:00:00Z'), 'UTC')).toBe('2025-01-15T12:00:00Z');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000 }), fc.constantFrom('Asia/Shanghai', 'America/Los_Angeles', 'Asia/Kolkata', 'UTC'), (s, zone) => {
        expect(parseInstant(isoWithOffset(s * 1000, zone))).toBe(s * 1000);
      }),
    );
  });
});
