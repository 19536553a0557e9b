/**
 * What every connector produces: our inbound events in EventBridge's delivered shape (a replay line, or what a
 * webhook puts on the bus), and for what it cannot map, the reason — never a guess.
 */
import { AD_SPEND_REPORTED } from '../events/normalised.ts';
import type { AdAccountSource, SentinelConfig } from '../shared/domain/config.ts';
import { minorDigits } from '../shared/kernel/money.ts';
import { bucketOf } from '../shared/kernel/time.ts';
import { roundCount, roundDecimal } from './exact.ts';

export interface InboundLine {
  readonly source: string;
  readonly 'detail-type': string;
  /** Arrival: when the platform delivered it (a webhook) or when it was pulled (a report). */
  readonly time: string;
  readonly detail: Record<string, unknown>;
}

export interface Refusal {
  /** Which payload: the platform's own id where there is one. */
  readonly item: string;
  readonly reason: string;
}

export interface Converted {
  readonly events: InboundLine[];
  readonly refused: Refusal[];
}

export const empty = (): { events: InboundLine[]; refused: Refusal[] } => ({ events: [], refused: [] });

export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The channel a mapped source feeds, with its currency. */
export function channelOf(config: SentinelConfig, channelId: string): { id: string; currency: string } {
  const channel = config.channels.find((c) => c.id === channelId);
  if (!channel) throw new Error(`sources map to channel "${channelId}", which is not configured`);
  return channel;
}

/** The mapped ad account with this id (`act_` prefixes and dashes ignored), if any. */
export function adAccountOf(accounts: readonly AdAccountSource[], id: string | undefined): AdAccountSource | undefined {
  if (id === undefined) return accounts.length === 1 ? accounts[0] : undefined;
  const key = id.replace(/^act_/, '').replace(/-/g, '');
  return accounts.find((a) => a.account === key);
}

/** Epoch ms of wall-clock `YYYY-MM-DD` `hh:00` in `timeZone` (the first such instant; exact on whole hours). */
function localHourMs(day: string, hour: number, timeZone: string): number {
  let guess = Date.parse(`${day}T${String(hour).padStart(2, '0')}:00:00Z`);
  for (let i = 0; i < 3; i++) {
    const b = bucketOf(guess, timeZone);
    const wall = Date.parse(`${b.hour.slice(0, 10)}T${b.hour.slice(11)}:00:00Z`);
    const target = Date.parse(`${day}T${String(hour).padStart(2, '0')}:00:00Z`);
    if (wall === target) return guess;
    guess += target - wall;
  }
  return guess;
}

/**
 * The business day an ad account's day is reported under. The same day when the account keeps the business
 * timezone; otherwise the business day in which the account-day's noon falls (a day's totals cannot be split by
 * hour, so the whole day goes where most of it lies when the offsets differ by less than 12 hours).
 */
export function businessDayOf(accountDay: string, accountTimeZone: string, businessTimeZone: string): string {
  if (accountTimeZone === businessTimeZone) return accountDay;
  return bucketOf(localHourMs(accountDay, 12, accountTimeZone), businessTimeZone).day;
}

/** What a pulled campaign-day row says, as text: the platform-specific reading is the connector's, the rest is here. */
export interface ReportFigures {
  readonly spend: string;
  readonly impressions?: string | undefined;
  readonly clicks?: string | undefined;
  readonly conversions?: string | undefined;
  readonly revenue?: string | undefined;
}

/**
 * One campaign-day row as `Ad Spend Reported`, pulled at `asOf` (its arrival too). The eventId names the platform,
 * account, campaign, business day and asOf, so a re-pull of the same figures is the same event. Fractional
 * conversions are rounded half-up to a count and revenue half-up to the currency's digits.
 */
export function reportLine(
  platform: { source: string; prefix: string },
  account: AdAccountSource,
  channel: { id: string; currency: string },
  report: { campaignId: string; date: string; asOf: string },
  figures: ReportFigures,
): InboundLine {
  const asOfMs = Date.parse(report.asOf);
  return {
    source: platform.source,
    'detail-type': AD_SPEND_REPORTED,
    time: new Date(asOfMs).toISOString(),
    detail: {
      eventId: `${platform.prefix}-${account.account}-${report.campaignId}-${report.date}-${asOfMs}`,
      channelId: channel.id,
      campaignId: report.campaignId,
      date: report.date,
      asOf: report.asOf,
      spend: figures.spend,
      currency: channel.currency,
      ...(figures.impressions === undefined ? {} : { impressions: Number(figures.impressions) }),
      ...(figures.clicks === undefined ? {} : { clicks: Number(figures.clicks) }),
      ...(figures.conversions === undefined ? {} : { reportedConversions: roundCount(figures.conversions) }),
      ...(figures.revenue === undefined ? {} : { reportedRevenue: roundDecimal(figures.revenue, minorDigits(channel.currency)) }),
    },
  };
}
