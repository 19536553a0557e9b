/**
 * Google Ads API (GAQL over REST, `googleAds:search` / `searchStream`) → `Ad Spend Reported`. Rows of
 * `SELECT campaign.id, segments.date, metrics.cost_micros, metrics.impressions, metrics.clicks, metrics.conversions,
 * metrics.conversions_value FROM campaign WHERE segments.date DURING …`, in the REST JSON encoding: int64 fields
 * (`costMicros`, `impressions`, `clicks`) as strings, doubles (`conversions`, `conversionsValue`) as JSON numbers,
 * `segments.date` in the account's timezone. Google restates conversions for up to the conversion window: each pull
 * is a new report of the campaign-day.
 *
 * Mapped: cost_micros → spend (micros to the currency's digits, rounded half-up: 1,234,567 micros of CNY is 1.23),
 * impressions and clicks (integers), conversions → reportedConversions (rounded half-up: Google's are fractional
 * with data-driven attribution), conversions_value → reportedRevenue (rounded half-up to the currency's digits, from
 * the number's exact text). Not mapped: all_conversions, view-through conversions, interactions.
 */
import type { SentinelConfig } from '../shared/domain/config.ts';
import { adAccountOf, businessDayOf, channelOf, type Converted, empty, isObject, type Json, reportLine, text } from './common.ts';
import { microsToMajor } from './exact.ts';

/** The rows of a `search` page (`{results}`), a `searchStream` response (an array of `{results}`), rows, or one row. */
export function googleAdsRows(payload: unknown): unknown[] {
  if (isObject(payload) && Array.isArray(payload.results)) return payload.results;
  if (Array.isArray(payload)) return payload.flatMap((p) => (isObject(p) && Array.isArray(p.results) ? p.results : [p]));
  return [payload];
}

const field = (row: Json, group: string, name: string): string | undefined => {
  const g = row[group];
  return isObject(g) ? text(g[name]) : undefined;
};

/**
 * GAQL rows → reports as of `asOf` (when they were pulled). The customer comes from `customer.id` or the campaign's
 * resource name (`customers/{id}/campaigns/{id}`), else `customerId`, else the only mapped account. Parse the response
 * with `parseExact` so doubles keep their digits.
 */
export function fromGoogleAdsRows(payload: unknown, config: SentinelConfig, asOf: string, customerId?: string): Converted {
  const out = empty();
  for (const row of googleAdsRows(payload)) {
    if (!isObject(row)) {
      out.refused.push({ item: String(row), reason: 'not a GAQL row (an object)' });
      continue;
    }
    const campaignId = field(row, 'campaign', 'id');
    const day = field(row, 'segments', 'date');
    const item = `google-ads campaign ${campaignId ?? '?'} ${day ?? '?'}`;
    const fromResource = /^customers\/(\d+)\//.exec(field(row, 'campaign', 'resourceName') ?? '')?.[1];
    const account = adAccountOf(config.sources.googleAds, field(row, 'customer', 'id') ?? fromResource ?? customerId);
    if (!account) {
      out.refused.push({
        item,
        reason: `customer ${field(row, 'customer', 'id') ?? fromResource ?? customerId ?? '(none given)'} is not mapped in sources.googleAds`,
      });
      continue;
    }
    if (!campaignId || !day) {
      out.refused.push({ item, reason: 'needs campaign.id and segments.date in the SELECT' });
      continue;
    }
    const channel = channelOf(config, account.channelId);
    const currency = field(row, 'customer', 'currencyCode');
    if (currency !== undefined && currency !== channel.currency) {
      out.refused.push({ item, reason: `the account reports in ${currency}; channel ${channel.id} reports in ${channel.currency}` });
      continue;
    }
    const spend = microsToMajor(field(row, 'metrics', 'costMicros') ?? '0', channel.currency);
    if (spend === undefined) {
      out.refused.push({ item, reason: `costMicros ${JSON.stringify(field(row, 'metrics', 'costMicros'))} is not an integer` });
      continue;
    }
    const timeZone = field(row, 'customer', 'timeZone') ?? account.timezone;
    const date = businessDayOf(day, timeZone, config.timezone);
    out.events.push(
      reportLine(
        { source: 'google.ads', prefix: 'google-ads' },
        account,
        channel,
        { campaignId, date, asOf },
        {
          spend,
          impressions: field(row, 'metrics', 'impressions'),
          clicks: field(row, 'metrics', 'clicks'),
          conversions: field(row, 'metrics', 'conversions'),
          revenue: field(row, 'metrics', 'conversionsValue'),
        },
      ),
    );
  }
  return out;
}
