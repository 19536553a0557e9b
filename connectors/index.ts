/**
 * The platform connectors: pure translators from each platform's documented payloads to our inbound events
 * (`sentinel convert`, the webhook endpoints and the pull jobs all use these). One file per platform.
 */
import type { SentinelConfig } from '../shared/domain/config.ts';
import type { Converted, InboundLine, Refusal } from './common.ts';
import { isObject } from './common.ts';
import { parseExact } from './exact.ts';
import { fromDouyin } from './douyin.ts';
import { fromGoogleAdsRows } from './google-ads.ts';
import { fromMetaInsights } from './meta.ts';
import { fromShopify, shopifyShopOf } from './shopify.ts';

export type { Converted, InboundLine, Refusal } from './common.ts';
export { parseExact } from './exact.ts';

export const CONVERT_SOURCES = ['shopify', 'douyin', 'meta', 'google-ads'] as const;
export type ConvertSource = (typeof CONVERT_SOURCES)[number];

export interface ConvertOptions {
  /** The shop domain or ad account the payloads come from, when the configuration maps more than one. */
  readonly account?: string;
  /** When pulled reports were computed (ISO 8601 with offset): their `asOf` and arrival. */
  readonly asOf: string;
}

/**
 * The payloads of a file: the whole file as one JSON document (an API page, an array of payloads), else one JSON
 * payload per non-blank line. Numbers keep their exact text. Lines that are not JSON are refused, with their number.
 */
export function payloadsOf(text: string): { payloads: { item: string; payload: unknown }[]; refused: Refusal[] } {
  try {
    const whole = parseExact(text);
    const list = Array.isArray(whole) && !whole.every((p) => isObject(p) && Array.isArray(p.results)) ? whole : [whole];
    return { payloads: list.map((payload, i) => ({ item: `payload ${i + 1}`, payload })), refused: [] };
  } catch {
    const payloads: { item: string; payload: unknown }[] = [];
    const refused: Refusal[] = [];
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        payloads.push({ item: `line ${i + 1}`, payload: parseExact(line) });
      } catch (error) {
        refused.push({ item: `line ${i + 1}`, reason: `not JSON: ${(error as Error).message}` });
      }
    });
    return { payloads, refused };
  }
}

/** Converts a file's payloads from one platform into replayable inbound events, with a reason for each refusal. */
export function convert(source: ConvertSource, text: string, config: SentinelConfig, options: ConvertOptions): Converted {
  const { payloads, refused } = payloadsOf(text);
  const events: InboundLine[] = [];
  for (const { item, payload } of payloads) {
    let result: Converted;
    if (source === 'shopify') {
      const shop = shopifyShopOf(config, options.account);
      if (!shop) {
        refused.push({
          item,
          reason: options.account
            ? `shop ${options.account} is not mapped in sources.shopify`
            : 'name the shop with --account (sources.shopify maps several, or none)',
        });
        continue;
      }
      result = fromShopify(payload, undefined, shop, config);
    } else if (source === 'douyin') {
      const converted = fromDouyin(payload, config);
      result = converted.ignored ? { events: [], refused: [{ item: 'push', reason: converted.ignored }] } : converted;
    } else if (source === 'meta') result = fromMetaInsights(payload, config, options.asOf, options.account);
    else result = fromGoogleAdsRows(payload, config, options.asOf, options.account);
    events.push(...result.events);
    refused.push(...result.refused.map((r) => ({ item: `${item}: ${r.item}`, reason: r.reason })));
  }
  return { events, refused };
}
