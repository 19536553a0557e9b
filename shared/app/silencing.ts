/**
 * Silencing, the use case: create, list and end silences as data (Alertmanager's), checked against the configuration
 * in force. A silence holds notifications back; the alerts' state, counts and evidence keep evolving, and one still
 * firing when the silence ends is announced once by the next sweep (`unmute`).
 */
import { RULES, type RuleName } from '../../events/outbound.ts';
import { fnv1a64 } from '../domain/hash.ts';
import type { SentinelConfig, StoredSilence } from '../domain/config.ts';
import { parseInstant } from '../kernel/time.ts';
import type { SilenceStore } from './ports.ts';

export interface SilenceRequest {
  readonly rule?: unknown;
  readonly channelId?: unknown;
  readonly storeId?: unknown;
  readonly sku?: unknown;
  readonly region?: unknown;
  readonly from?: unknown;
  readonly to?: unknown;
  /** Instead of `to`: how long from `from` (minutes) — for clients that do not share the server's clock. */
  readonly durationMinutes?: unknown;
  readonly comment?: unknown;
}

export type SilenceResult = { readonly ok: true; readonly silence: StoredSilence } | { readonly ok: false; readonly problems: string[] };

/** At most this long: a silence is a pause, not a way to switch a rule off (the configuration does that). */
export const MAX_SILENCE_DAYS = 90;

export function makeSilencing(deps: { readonly silences: SilenceStore }) {
  return {
    list: () => deps.silences.list(),
    expire: (id: string, atMs: number) => deps.silences.expire(id, atMs),
    /** Validates and stores a silence; `from` defaults to now. Every problem is listed. */
    async create(config: SentinelConfig, request: SilenceRequest, createdBy: string, atMs: number): Promise<SilenceResult> {
      const problems: string[] = [];
      const text = (key: keyof SilenceRequest, optional: boolean) => {
        const value = request[key];
        if (value === undefined && optional) return undefined;
        if (typeof value !== 'string' || value.length === 0 || value.length > 500) {
          problems.push(`${key}: ${optional ? 'if given, ' : ''}must be a non-empty string`);
          return undefined;
        }
        return value;
      };
      const rule = text('rule', false);
      if (rule !== undefined && !(RULES as readonly string[]).includes(rule)) problems.push(`rule: must be one of ${RULES.join(', ')}`);
      const channelId = text('channelId', false);
      if (channelId !== undefined && !config.channels.some((c) => c.id === channelId)) problems.push(`channelId: unknown channel "${channelId}"`);
      const storeId = text('storeId', true);
      const sku = text('sku', true);
      const region = text('region', true);
      const comment = text('comment', false);
      const fromText = text('from', true);
      const duration = request.durationMinutes;
      const byDuration = request.to === undefined && duration !== undefined;
      if (byDuration && (typeof duration !== 'number' || !Number.isInteger(duration) || duration <= 0))
        problems.push('durationMinutes: must be a positive whole number');
      const toText = byDuration ? undefined : text('to', false);
      const fromMs = fromText === undefined ? atMs : parseInstant(fromText);
      const toMs = byDuration
        ? fromMs === null || typeof duration !== 'number'
          ? null
          : fromMs + duration * 60_000
        : toText === undefined
          ? null
          : parseInstant(toText);
      if (fromMs === null) problems.push('from: must be an ISO 8601 time with an offset');
      if (toText !== undefined && toMs === null) problems.push('to: must be an ISO 8601 time with an offset');
      if (fromMs !== null && toMs !== null && toMs <= fromMs) problems.push('to: must be after from');
      if (toMs !== null && toMs <= atMs) problems.push('to: must be in the future');
      if (fromMs !== null && toMs !== null && toMs - fromMs > MAX_SILENCE_DAYS * 86_400_000)
        problems.push(`to: a silence lasts at most ${MAX_SILENCE_DAYS} days`);
      if (problems.length > 0 || rule === undefined || channelId === undefined || comment === undefined || fromMs === null || toMs === null)
        return { ok: false, problems };
      const subject = { ...(storeId ? { storeId } : {}), ...(sku ? { sku } : {}), ...(region ? { region } : {}) };
      const silence: StoredSilence = {
        id: `sil-${fnv1a64(JSON.stringify([rule, channelId, subject, fromMs, toMs, createdBy, atMs]))}`,
        rule: rule as RuleName,
        channelId,
        ...subject,
        fromMs,
        toMs,
        createdBy,
        comment,
        createdAtMs: atMs,
      };
      // The id derives from the request and its time: a retried request stores nothing twice.
      await deps.silences.put(silence);
      return { ok: true, silence };
    },
  };
}

export type Silencing = ReturnType<typeof makeSilencing>;

/** A silence as the API shows it: times as ISO 8601, and whether it is in effect at `atMs`. */
export function silenceView(s: StoredSilence, atMs: number) {
  return {
    id: s.id,
    rule: s.rule,
    channelId: s.channelId,
    ...(s.storeId ? { storeId: s.storeId } : {}),
    ...(s.sku ? { sku: s.sku } : {}),
    ...(s.region ? { region: s.region } : {}),
    from: new Date(s.fromMs).toISOString(),
    to: new Date(s.toMs).toISOString(),
    createdBy: s.createdBy,
    createdAt: new Date(s.createdAtMs).toISOString(),
    comment: s.comment,
    state: atMs < s.fromMs ? 'pending' : atMs < s.toMs ? 'active' : 'expired',
    ...(s.expiredAtMs === undefined ? {} : { expiredAt: new Date(s.expiredAtMs).toISOString() }),
  };
}
