/**
 * Admission: whether one delivered message becomes an accepted event, decided purely from its text, the
 * configuration and the arrival time. Everything that is refused gets a stable reason code; nothing is thrown,
 * so one bad message can never fail the batch around it.
 */
import { InboundEnvelope, inboundDefinition } from '../../events/inbound.ts';
import { type ChannelConfig, MAX_FUTURE_SKEW_MS, type SentinelConfig } from './config.ts';
import { AD_SPEND_REPORTED, type AdSpendReported, type InboundEvent } from '../../events/normalised.ts';
import { currencyOf, encodeEvent } from './inbound-event.ts';
import { addDays, type Bucket, bucketOf, parseInstant } from '../kernel/time.ts';

/** Why an event was quarantined. Stable codes: producers and dashboards key on them. */
export const REJECTION_REASONS = [
  'invalid_json',
  'schema_error',
  'unknown_detail_type',
  'unknown_channel',
  'wrong_currency',
  'occurred_in_future',
  'too_late',
  'conflicting_duplicate',
  'too_large',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export interface Accepted {
  readonly ok: true;
  readonly event: InboundEvent;
  /** Canonical content; the stored body and the identity compared on redelivery. */
  readonly encoded: string;
  readonly bucket: Bucket;
  readonly arrivedAtMs: number;
}

export interface Rejected {
  readonly ok: false;
  readonly reason: RejectionReason;
  /** Human explanation: the schema paths and what is wrong with them. */
  readonly message: string;
  readonly eventId?: string;
  readonly channelId?: string;
  readonly arrivedAtMs?: number;
}

export type Admission = Accepted | Rejected;

const DAY_MS = 24 * 60 * 60 * 1000;
/** The largest event, in UTF-8 bytes: EventBridge's limit for one entry (256 KiB), so anything larger never came by bus. */
export const MAX_EVENT_BYTES = 256 * 1024;
const encoder = new TextEncoder();
const utf8Bytes = (text: string) => encoder.encode(text).length;
const channelIndex = new WeakMap<SentinelConfig, Map<string, ChannelConfig>>();

/** The configured channel with this id, if any (indexed once per configuration object). */
function channelOf(config: SentinelConfig, channelId: string): ChannelConfig | undefined {
  let index = channelIndex.get(config);
  if (!index) {
    index = new Map(config.channels.map((c) => [c.id, c]));
    channelIndex.set(config, index);
  }
  return index.get(channelId);
}

function issuesText(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`).join('; ');
}

/**
 * Decides one message. Invariant: the result depends only on (body, config) — the arrival time is the
 * envelope's own `time` — so a redelivery of the same message is decided the same way every time. `parsed`, when
 * given, is `JSON.parse(body)` already done by the caller (replay reads each line's identity first); it is used only
 * where a plain parse is what admission would do itself, and never changed.
 */
export function admit(body: string, config: SentinelConfig, parsed?: { readonly value: unknown }): Admission {
  // Larger than EventBridge carries: no producer's bus could have delivered it, and parsing it would cost for nothing.
  if (body.length > MAX_EVENT_BYTES / 4 && utf8Bytes(body) > MAX_EVENT_BYTES) {
    return {
      ok: false,
      reason: 'too_large',
      message: `the event is ${utf8Bytes(body)} bytes; an event may be at most ${MAX_EVENT_BYTES} bytes (EventBridge's limit)`,
    };
  }
  let raw: unknown;
  try {
    // A JSON number can say more than a double holds ("unitPrice": 19.999999999999999 is 20 to JSON.parse). Only one
    // with 16 or more digits can; those keep their text, so the money rules judge what the producer wrote.
    raw = /[\d.]{17,}/.test(body)
      ? JSON.parse(body, keepLossyNumbers as (key: string, value: unknown) => unknown)
      : parsed !== undefined
        ? parsed.value
        : JSON.parse(body);
  } catch (error) {
    return { ok: false, reason: 'invalid_json', message: (error as Error).message };
  }
  const rawDetail = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).detail : undefined;
  const hint = {
    ...(typeof rawDetail === 'object' && rawDetail !== null && typeof (rawDetail as Record<string, unknown>).eventId === 'string'
      ? { eventId: (rawDetail as Record<string, string>).eventId }
      : {}),
    ...(typeof rawDetail === 'object' && rawDetail !== null && typeof (rawDetail as Record<string, unknown>).channelId === 'string'
      ? { channelId: (rawDetail as Record<string, string>).channelId }
      : {}),
  };

  const envelope = InboundEnvelope.safeParse(raw);
  if (!envelope.success) return { ok: false, reason: 'schema_error', message: `envelope: ${issuesText(envelope.error.issues)}`, ...hint };
  const arrivedAtMs = parseInstant(envelope.data.time) as number;
  const withArrival = { ...hint, arrivedAtMs };

  const definition = inboundDefinition(envelope.data['detail-type']);
  if (!definition) {
    return {
      ok: false,
      reason: 'unknown_detail_type',
      message: `detail-type "${envelope.data['detail-type']}" is not one of the inbound events`,
      ...withArrival,
    };
  }
  const detail = definition.detail.safeParse(envelope.data.detail);
  if (!detail.success) return { ok: false, reason: 'schema_error', message: `detail: ${issuesText(detail.error.issues)}`, ...withArrival };
  const event = detail.data as InboundEvent;

  const channel = channelOf(config, event.channelId);
  if (!channel) return { ok: false, reason: 'unknown_channel', message: `channel "${event.channelId}" is not configured`, ...withArrival };
  const currency = currencyOf(event);
  if (currency !== undefined && currency !== channel.currency) {
    return { ok: false, reason: 'wrong_currency', message: `event is in ${currency}; channel "${channel.id}" reports in ${channel.currency}`, ...withArrival };
  }
  if (event.type === AD_SPEND_REPORTED) return admitReport(event, arrivedAtMs, envelope.data.time, config);
  if (event.occurredAtMs > arrivedAtMs + MAX_FUTURE_SKEW_MS) {
    return {
      ok: false,
      reason: 'occurred_in_future',
      message: `occurredAt ${event.occurredAt} is more than 5 minutes after arrival ${envelope.data.time}`,
      ...withArrival,
    };
  }
  if (event.occurredAtMs < arrivedAtMs - config.latenessDays * DAY_MS) {
    return {
      ok: false,
      reason: 'too_late',
      message: `occurredAt ${event.occurredAt} is older than the ${config.latenessDays}-day lateness window`,
      ...withArrival,
    };
  }
  return { ok: true, event, encoded: encodeEvent(event), bucket: bucketOf(event.occurredAtMs, config.timezone), arrivedAtMs };
}

/** (digits without leading or trailing zeros, exponent of the last digit): equal exactly when two texts name one number. */
function decimalKey(text: string): string {
  const m = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return text;
  const digits = `${m[1] ?? ''}${m[2] ?? ''}`;
  let exponent = Number(m[3] ?? 0) - (m[2]?.length ?? 0);
  let trimmed = digits.replace(/^0+/, '');
  while (trimmed.endsWith('0')) {
    trimmed = trimmed.slice(0, -1);
    exponent += 1;
  }
  return trimmed === '' ? '0' : `${text.startsWith('-') ? '-' : ''}${trimmed}e${exponent}`;
}

/**
 * `JSON.parse` reviver (Node ≥ 22 passes the source text): a number whose text names another value than the double it
 * became is kept as that text — then a money field is judged on its real digits, and a count refuses a non-number.
 */
function keepLossyNumbers(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value !== 'number' || context?.source === undefined) return value;
  return decimalKey(context.source) === decimalKey(String(value)) ? value : context.source;
}

/**
 * Admission of a restated report. Its `asOf` obeys the clock-skew rule of every occurrence; its `date` may lie up to
 * `reportRestatementDays` business days before arrival (restatements), never after the business day of `asOf` (a
 * total for a day that had not begun). The bucket is where the report's change is placed: the business hour of `asOf`
 * while the day is running (day-to-date reports drive hourly pacing), the day's last hour once it is over — always
 * inside `date`, so the day's total is the latest report's exactly.
 */
function admitReport(event: AdSpendReported, arrivedAtMs: number, arrivedAt: string, config: SentinelConfig): Admission {
  const arrival = { eventId: event.eventId, channelId: event.channelId, arrivedAtMs };
  if (event.occurredAtMs > arrivedAtMs + MAX_FUTURE_SKEW_MS) {
    return { ok: false, reason: 'occurred_in_future', message: `asOf ${event.occurredAt} is more than 5 minutes after arrival ${arrivedAt}`, ...arrival };
  }
  const asOf = bucketOf(event.occurredAtMs, config.timezone);
  if (event.date > asOf.day) {
    return {
      ok: false,
      reason: 'occurred_in_future',
      message: `date ${event.date} is after the business day of asOf ${event.occurredAt} (${asOf.day} in ${config.timezone}): a report cannot total a day that had not begun`,
      ...arrival,
    };
  }
  const earliest = addDays(bucketOf(arrivedAtMs, config.timezone).day, -config.reportRestatementDays);
  if (event.date < earliest) {
    return {
      ok: false,
      reason: 'too_late',
      message: `date ${event.date} is more than ${config.reportRestatementDays} days (reportRestatementDays) before arrival; the earliest day still open to restatement is ${earliest}`,
      ...arrival,
    };
  }
  const bucket = asOf.day === event.date ? asOf : { day: event.date, hour: `${event.date}T23` };
  return { ok: true, event, encoded: encodeEvent(event), bucket, arrivedAtMs };
}

/**
 * Admission decided ahead and taken once: replay decides each line before it offers it (the clock moves only for an
 * event that would be admitted), and ingest then takes that decision instead of deciding again. Sound because a
 * decision depends only on (body, config) — {@link admit}'s invariant; a body decided under another configuration
 * object is decided afresh. Holds at most `limit` decisions not yet taken (lines that never reach ingest are dropped
 * with the oldest).
 */
export class AdmissionsAhead {
  private readonly ahead = new Map<string, { config: SentinelConfig; admission: Admission }>();

  constructor(private readonly limit = 4096) {}

  /** Decides `body` (`parsed`: see {@link admit}) and keeps the decision for {@link take}. */
  decide(body: string, config: SentinelConfig, parsed?: { readonly value: unknown }): Admission {
    const admission = admit(body, config, parsed);
    if (this.ahead.size >= this.limit) this.ahead.delete(this.ahead.keys().next().value as string);
    this.ahead.set(body, { config, admission });
    return admission;
  }

  /** The decision kept for `body` under `config` (forgotten once taken), or a fresh one. */
  take(body: string, config: SentinelConfig): Admission {
    const kept = this.ahead.get(body);
    if (kept === undefined || kept.config !== config) return admit(body, config);
    this.ahead.delete(body);
    return kept.admission;
  }
}
