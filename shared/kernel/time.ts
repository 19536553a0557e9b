/**
 * Business time: which business day and hour an instant belongs to in the configured IANA timezone.
 *
 * Aggregates, budgets and rules all speak in business days ("2025-01-15" in Asia/Shanghai), so this is the one
 * place that turns instants into calendar buckets. Every UTC offset in the tz database is a multiple of 15 minutes
 * and changes only on such boundaries, so the answer is memoised per UTC quarter-hour: exact, and cheap enough for
 * the hot path (Intl formatting costs microseconds; a map hit costs nanoseconds).
 */

export interface Bucket {
  /** Business day, `YYYY-MM-DD` in the business timezone. */
  readonly day: string;
  /** Business hour, `YYYY-MM-DDTHH` in the business timezone. */
  readonly hour: string;
}

const QUARTER_HOUR_MS = 15 * 60 * 1000;
const formatters = { hour: new Map<string, Intl.DateTimeFormat>(), second: new Map<string, Intl.DateTimeFormat>() };
const memo = new Map<string, Map<number, Bucket>>();
const MEMO_LIMIT = 50_000;

/** Whether the runtime knows `timeZone` as an IANA zone. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** One cached formatter per zone and precision: to the hour (buckets) or to the second with the offset. */
function formatterFor(timeZone: string, precision: 'hour' | 'second' = 'hour'): Intl.DateTimeFormat {
  let formatter = formatters[precision].get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      ...(precision === 'second' ? { minute: '2-digit', second: '2-digit', timeZoneName: 'longOffset' } : {}),
    });
    formatters[precision].set(timeZone, formatter);
  }
  return formatter;
}

/**
 * The business day and hour of the instant `epochMs` in `timeZone`.
 * Invariant: two instants in the same UTC quarter-hour always share a bucket.
 */
export function bucketOf(epochMs: number, timeZone: string): Bucket {
  const slot = Math.floor(epochMs / QUARTER_HOUR_MS);
  let zoneMemo = memo.get(timeZone);
  if (!zoneMemo) {
    zoneMemo = new Map();
    memo.set(timeZone, zoneMemo);
  }
  const hit = zoneMemo.get(slot);
  if (hit) return hit;
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(slot * QUARTER_HOUR_MS))) parts[part.type] = part.value;
  const day = `${parts.year}-${parts.month}-${parts.day}`;
  const bucket: Bucket = { day, hour: `${day}T${parts.hour}` };
  if (zoneMemo.size >= MEMO_LIMIT) zoneMemo.clear();
  zoneMemo.set(slot, bucket);
  return bucket;
}

/** The last texts parsed: an event's times are each read twice (validated, then converted), a replay line's thrice. */
const recentInstants = new Map<string, number | null>();

/** Parses an ISO 8601 timestamp that carries an offset (or `Z`) into epoch milliseconds; `null` when it is not one. */
export function parseInstant(text: string): number | null {
  const hit = recentInstants.get(text);
  if (hit !== undefined) return hit;
  const ms = parseInstantOnce(text);
  if (text.length > 40) return ms;
  if (recentInstants.size >= 8) recentInstants.delete(recentInstants.keys().next().value as string);
  recentInstants.set(text, ms);
  return ms;
}

function parseInstantOnce(text: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i.exec(text);
  if (!match) return null;
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  // Date.parse rolls 2025-02-30 over into March; a calendar date that does not exist is not a timestamp.
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

/** Business days from `from` to `to`, both included (`YYYY-MM-DD`; 1 for the same day). */
export function daysInclusive(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

/** The calendar day `n` days after `day` (YYYY-MM-DD; negative goes back). Business days are calendar days. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Epoch milliseconds as ISO 8601 with `timeZone`'s offset at that instant (`2022-10-17T15:19:38+08:00`; `Z` for UTC):
 * how a platform's Unix-second times are written so a reader sees the business wall clock and the instant at once.
 */
export function isoWithOffset(epochMs: number, timeZone: string): string {
  const formatter = formatterFor(timeZone, 'second');
  const parts = Object.fromEntries(formatter.formatToParts(new Date(epochMs)).map((p) => [p.type, p.value])) as Record<string, string>;
  const offset = (parts.timeZoneName ?? 'GMT').replace('GMT', '') || '+00:00';
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset === '+00:00' ? 'Z' : offset}`;
}
