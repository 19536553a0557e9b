/**
 * Meta Marketing API Insights → `Ad Spend Reported`. Rows as the API returns them at `level=campaign` with
 * `time_increment=1` (one row per campaign and day, dated in the ad account's timezone): `spend` is a major-unit
 * string ("5339.5"), `impressions` and `clicks` are strings, results are in `actions` / `action_values` by
 * `action_type`. Meta restates a day for weeks as attribution matures: each pull is a new report of the same
 * campaign-day, and the one with the latest asOf is the day.
 *
 * Mapped: spend (exact), impressions and clicks (integers), purchases → reportedConversions (rounded half-up: Meta's
 * modelled conversions can be fractional), purchase value → reportedRevenue (rounded half-up to the currency's
 * digits). Not mapped: reach, frequency, cpm/cpc/ctr (derived), other action types.
 */
import type { SentinelConfig } from '../shared/domain/config.ts';
import { adAccountOf, businessDayOf, channelOf, type Converted, empty, isObject, type Json, reportLine, text } from './common.ts';
import { roundDecimal } from './exact.ts';
import { minorDigits } from '../shared/kernel/money.ts';

/** Purchase action types, most inclusive first (Meta reports the same purchases under several). */
const PURCHASES = ['omni_purchase', 'purchase', 'offsite_conversion.fb_pixel_purchase', 'onsite_web_purchase'];

function purchase(list: unknown): string | undefined {
  if (!Array.isArray(list)) return undefined;
  for (const type of PURCHASES) {
    const hit = list.find((a): a is Json => isObject(a) && a.action_type === type);
    if (hit) return text(hit.value);
  }
  return undefined;
}

/** The rows of an Insights page (`{data: [...], paging}`), an array of rows, or one row. */
export function metaRows(payload: unknown): unknown[] {
  if (isObject(payload) && Array.isArray(payload.data)) return payload.data;
  if (Array.isArray(payload)) return payload;
  return [payload];
}

/**
 * Insights rows → reports as of `asOf` (when they were pulled; ISO 8601 with offset). `accountId` names the ad
 * account when the rows do not carry `account_id` and more than one account is mapped.
 */
export function fromMetaInsights(payload: unknown, config: SentinelConfig, asOf: string, accountId?: string): Converted {
  const out = empty();
  for (const row of metaRows(payload)) {
    if (!isObject(row)) {
      out.refused.push({ item: String(row), reason: 'not an Insights row (an object)' });
      continue;
    }
    const campaignId = text(row.campaign_id);
    const day = text(row.date_start);
    const item = `meta campaign ${campaignId ?? '?'} ${day ?? '?'}`;
    const account = adAccountOf(config.sources.meta, text(row.account_id) ?? accountId);
    if (!account) {
      out.refused.push({ item, reason: `ad account ${text(row.account_id) ?? accountId ?? '(none given)'} is not mapped in sources.meta` });
      continue;
    }
    if (!campaignId || !day) {
      out.refused.push({ item, reason: 'needs campaign_id and date_start (query with level=campaign)' });
      continue;
    }
    if (text(row.date_stop) !== undefined && row.date_stop !== day) {
      out.refused.push({ item, reason: `covers ${day} to ${String(row.date_stop)}: daily rows are needed (time_increment=1)` });
      continue;
    }
    const channel = channelOf(config, account.channelId);
    const currency = text(row.account_currency);
    if (currency !== undefined && currency !== channel.currency) {
      out.refused.push({ item, reason: `the account reports in ${currency}; channel ${channel.id} reports in ${channel.currency}` });
      continue;
    }
    const spend = roundDecimal(text(row.spend) ?? '0', minorDigits(channel.currency));
    if (spend === undefined || (text(row.spend) ?? '0').replace(/^\d+\.?/, '').length > minorDigits(channel.currency)) {
      out.refused.push({ item, reason: `spend ${JSON.stringify(row.spend)} is not an amount in ${channel.currency}` });
      continue;
    }
    const date = businessDayOf(day, account.timezone, config.timezone);
    out.events.push(
      reportLine(
        { source: 'meta.insights', prefix: 'meta' },
        account,
        channel,
        { campaignId, date, asOf },
        {
          spend,
          impressions: text(row.impressions),
          clicks: text(row.clicks),
          conversions: purchase(row.actions),
          revenue: purchase(row.action_values),
        },
      ),
    );
  }
  return out;
}
