/**
 * Pulling the ad platforms' reports (Meta Insights, Google Ads) for every mapped account: each run asks for the
 * campaign-days of a window ending today in the account's timezone, translates the pages with the connectors and
 * puts the reports on the bus as `Ad Spend Reported`. Each pull is a new report (its asOf is the pull), so a day
 * re-pulled inside the restatement window replaces what the platform said before — exactly once, by ingest.
 */
import { fromGoogleAdsRows } from '../../connectors/google-ads.ts';
import { fromMetaInsights } from '../../connectors/meta.ts';
import { parseExact } from '../../connectors/exact.ts';
import type { Converted } from '../../connectors/common.ts';
import type { AdAccountSource, SentinelConfig } from '../domain/config.ts';
import { addDays, bucketOf, isoWithOffset } from '../kernel/time.ts';
import type { AdReportClient, EventPublisher } from './ports.ts';
import { inboundEntry, putAll } from './publishing.ts';

export const PULL_PLATFORMS = ['meta', 'googleAds'] as const;
export type PullPlatform = (typeof PULL_PLATFORMS)[number];

export interface PullOptions {
  /** Account days to ask for, ending today in each account's timezone (1 = today only). */
  readonly days: number;
}

export interface AccountPull {
  readonly platform: PullPlatform;
  readonly account: string;
  readonly since: string;
  readonly until: string;
  readonly pages: number;
  readonly reports: number;
  /** Rows the connector could not map, with the reason (an unmapped currency, a multi-day row, …). */
  readonly refused: readonly string[];
  /** Why the pull of this account failed (the others went on); absent when it succeeded. */
  readonly error?: string;
}

export interface PullReport {
  readonly asOf: string;
  readonly accounts: readonly AccountPull[];
}

const translate: Record<PullPlatform, (page: unknown, config: SentinelConfig, asOf: string, account: string) => Converted> = {
  meta: fromMetaInsights,
  googleAds: fromGoogleAdsRows,
};

/**
 * Pulls every mapped account of every platform that has a client; one account failing (credentials, throttling
 * beyond the retries) is reported and the others go on. Reports are published as they are read, page by page.
 */
export async function pullReports(
  deps: { clients: Partial<Record<PullPlatform, AdReportClient>>; bus: EventPublisher },
  config: SentinelConfig,
  nowMs: number,
  options: PullOptions,
): Promise<PullReport> {
  const asOf = isoWithOffset(nowMs, config.timezone);
  const accounts: AccountPull[] = [];
  for (const platform of PULL_PLATFORMS) {
    const client = deps.clients[platform];
    const mapped: readonly AdAccountSource[] = config.sources[platform];
    for (const account of mapped) {
      const until = bucketOf(nowMs, account.timezone).day;
      const since = addDays(until, -(Math.max(1, options.days) - 1));
      const result = { platform, account: account.account, since, until, pages: 0, reports: 0, refused: [] as string[] };
      if (!client) {
        accounts.push({ ...result, error: `no ${platform} credentials: the account is mapped in sources.${platform} but nothing can pull it` });
        continue;
      }
      try {
        for await (const page of client.pages(account, { since, until })) {
          result.pages += 1;
          const converted = translate[platform](parseExact(page), config, asOf, account.account);
          result.refused.push(...converted.refused.map((r) => `${r.item}: ${r.reason}`));
          const entries = converted.events.map((e) => inboundEntry(e, nowMs));
          const refused = await putAll(deps.bus, entries);
          if (refused.length > 0) throw new Error(`the bus refused ${refused.length} report(s) after retries`);
          result.reports += entries.length;
        }
        accounts.push(result);
      } catch (error) {
        accounts.push({ ...result, error: (error as Error).message });
      }
    }
  }
  return { asOf, accounts };
}
