/**
 * Data quality for the console and `sentinel push`: what arrived and did not become a new event — quarantined by
 * reason and by channel, duplicates — over a window of arrival time, with the most recent refusals to look at.
 */
import type { IntakeReader } from './ports.ts';

/** The longest window the console may ask for: one query per UTC day and kind. */
export const MAX_DATA_QUALITY_DAYS = 31;
/** How many recent refusals the view lists, and how much of each payload it shows. */
const RECENT = 50;
const PREVIEW_CHARS = 240;

export interface DataQualityView {
  readonly from: string;
  readonly to: string;
  readonly quarantined: number;
  /** Quarantined deliveries by reason, largest first. */
  readonly byReason: Readonly<Record<string, number>>;
  /** Per channel named by the delivery (`(none)` when it named none or could not be read). */
  readonly byChannel: Readonly<Record<string, { quarantined: number; duplicates: number }>>;
  readonly duplicates: number;
  readonly recent: readonly {
    at: string;
    reason: string;
    message: string;
    channelId: string | null;
    eventId: string | null;
    payloadPreview: string;
  }[];
}

/** The intake over `[nowMs - days, nowMs)`; counts are exact, `recent` the newest refusals first. */
export async function dataQuality(intake: Pick<IntakeReader, 'arrivedBetween'>, nowMs: number, days: number): Promise<DataQualityView> {
  const fromMs = nowMs - days * 86_400_000;
  const { quarantined, duplicates } = await intake.arrivedBetween(fromMs, nowMs + 1);
  const byReason = new Map<string, number>();
  const byChannel = new Map<string, { quarantined: number; duplicates: number }>();
  const channel = (id: string | undefined) => {
    const key = id || '(none)';
    const entry = byChannel.get(key) ?? { quarantined: 0, duplicates: 0 };
    byChannel.set(key, entry);
    return entry;
  };
  for (const q of quarantined) {
    byReason.set(q.reason, (byReason.get(q.reason) ?? 0) + 1);
    channel(q.channelId).quarantined += 1;
  }
  for (const d of duplicates) channel(d.channelId).duplicates += 1;
  const recent = [...quarantined]
    .sort((a, b) => b.atMs - a.atMs || a.messageId.localeCompare(b.messageId))
    .slice(0, RECENT)
    .map((q) => ({
      at: new Date(q.atMs).toISOString(),
      reason: q.reason,
      message: q.message,
      channelId: q.channelId ?? null,
      eventId: q.eventId ?? null,
      payloadPreview: q.payload.length > PREVIEW_CHARS ? `${q.payload.slice(0, PREVIEW_CHARS)}…` : q.payload,
    }));
  return {
    from: new Date(fromMs).toISOString(),
    to: new Date(nowMs).toISOString(),
    quarantined: quarantined.length,
    byReason: Object.fromEntries([...byReason].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
    byChannel: Object.fromEntries([...byChannel].sort((a, b) => a[0].localeCompare(b[0]))),
    duplicates: duplicates.length,
    recent,
  };
}
