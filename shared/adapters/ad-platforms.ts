/**
 * The ad platforms' reporting APIs, pulled over HTTPS: Meta Marketing API Insights and Google Ads (REST). Each
 * client yields the API's pages as they come (the connectors translate them), follows the API's own paging, and
 * waits out its rate limits — Meta's throttling error codes with `X-Business-Use-Case-Usage`'s
 * `estimated_time_to_regain_access`, Google's `RESOURCE_EXHAUSTED` with its `retryDelay`, any 429 with
 * `Retry-After` — before giving up with an error that says which account and why.
 */
import type { AdReportClient, DayWindow } from '../app/ports.ts';

export interface HttpOptions {
  readonly fetch?: typeof globalThis.fetch;
  /** How a wait is spent (tests record it instead of sleeping). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Throttled answers tolerated per request before the pull of that account fails. */
  readonly maxRetries?: number;
}

/** The longest single wait for a rate limit: a pull runs again on its schedule rather than sleep past its timeout. */
const MAX_WAIT_MS = 120_000;

export class AdPlatformError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'AdPlatformError';
  }
}

/** Meta's throttling codes (Graph API "Rate Limiting": 4, 17, 32, 613, and the ads-management 80000–80014 range). */
const META_THROTTLE = new Set([4, 17, 32, 613]);
const isMetaThrottle = (code: number | undefined) => code !== undefined && (META_THROTTLE.has(code) || (code >= 80000 && code <= 80014));

/** Seconds as a `Retry-After` header or Google's `"30s"` duration, in ms. */
const secondsToMs = (text: string | undefined | null): number | undefined => {
  const n = Number(String(text ?? '').replace(/s$/, ''));
  return text && Number.isFinite(n) && n >= 0 ? n * 1000 : undefined;
};

/** The wait Meta asks for: the largest `estimated_time_to_regain_access` (minutes) in the usage header. */
function metaRegainMs(header: string | null): number | undefined {
  if (!header) return undefined;
  try {
    const usage = JSON.parse(header) as Record<string, { estimated_time_to_regain_access?: number }[]>;
    const minutes = Math.max(0, ...Object.values(usage).flatMap((list) => list.map((u) => u.estimated_time_to_regain_access ?? 0)));
    return minutes > 0 ? minutes * 60_000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One request, retried while the platform says it is throttled: the wait it names (capped), else 1 s, 2 s, 4 s, ….
 * Other failures are thrown at once with the platform's own message.
 */
async function request(
  what: string,
  send: () => Promise<Response>,
  throttled: (response: Response, body: unknown) => number | undefined | 'no',
  options: HttpOptions,
): Promise<string> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maxRetries = options.maxRetries ?? 5;
  for (let attempt = 0; ; attempt++) {
    const response = await send();
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    if (response.ok) return text;
    const wait = throttled(response, body);
    if (wait === 'no' || attempt >= maxRetries) {
      const message = (body as { error?: { message?: string } } | undefined)?.error?.message ?? (typeof body === 'string' ? body.slice(0, 200) : '');
      throw new AdPlatformError(
        `${what}: HTTP ${response.status}${message ? ` — ${message}` : ''}${wait !== 'no' ? ` (still throttled after ${maxRetries} retries)` : ''}`,
        response.status,
      );
    }
    await sleep(Math.min(MAX_WAIT_MS, wait ?? 1000 * 2 ** attempt));
  }
}

export interface MetaCredentials {
  readonly accessToken: string;
}

/**
 * Meta Insights at `level=campaign`, `time_increment=1` over the window, following `paging.next` until the last
 * page. The page text is handed on whole (numbers are read exactly by the connector).
 */
export function metaInsightsClient(credentials: MetaCredentials, options: HttpOptions & { baseUrl?: string } = {}): AdReportClient {
  const fetchFn = options.fetch ?? globalThis.fetch;
  const base = (options.baseUrl ?? 'https://graph.facebook.com/v21.0').replace(/\/$/, '');
  const fields = 'account_id,account_currency,campaign_id,campaign_name,date_start,date_stop,spend,impressions,clicks,actions,action_values';
  return {
    async *pages(account, window) {
      const first = new URL(`${base}/act_${account.account}/insights`);
      first.searchParams.set('level', 'campaign');
      first.searchParams.set('time_increment', '1');
      first.searchParams.set('time_range', JSON.stringify({ since: window.since, until: window.until }));
      first.searchParams.set('fields', fields);
      first.searchParams.set('limit', '500');
      let next: string | undefined = first.toString();
      for (let page = 1; next; page++) {
        const url: string = next;
        const text = await request(
          `Meta Insights act_${account.account} page ${page}`,
          () => fetchFn(url, { headers: { authorization: `Bearer ${credentials.accessToken}` } }),
          (response, body) => {
            const code = (body as { error?: { code?: number } } | undefined)?.error?.code;
            if (response.status === 429 || isMetaThrottle(code))
              return secondsToMs(response.headers.get('retry-after')) ?? metaRegainMs(response.headers.get('x-business-use-case-usage'));
            return 'no';
          },
          options,
        );
        yield text;
        const paging = (JSON.parse(text) as { paging?: { next?: string } }).paging;
        next = paging?.next;
      }
    },
  };
}

export interface GoogleAdsCredentials {
  readonly developerToken: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken: string;
  /** The manager account the customers are reached through, if any (`login-customer-id`). */
  readonly loginCustomerId?: string;
}

/**
 * Google Ads `googleAds:search` with the campaign-day GAQL query over the window, following `nextPageToken`; an
 * OAuth access token is fetched from the refresh token once per client and renewed on a 401.
 */
export function googleAdsClient(
  credentials: GoogleAdsCredentials,
  options: HttpOptions & { baseUrl?: string; tokenUrl?: string } = {},
): AdReportClient & { query(window: DayWindow): string } {
  const fetchFn = options.fetch ?? globalThis.fetch;
  const base = (options.baseUrl ?? 'https://googleads.googleapis.com/v21').replace(/\/$/, '');
  const tokenUrl = options.tokenUrl ?? 'https://oauth2.googleapis.com/token';
  let accessToken: string | undefined;
  const token = async (renew = false) => {
    if (accessToken && !renew) return accessToken;
    const text = await request(
      'Google OAuth token',
      () =>
        fetchFn(tokenUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'refresh_token',
            client_id: credentials.clientId,
            client_secret: credentials.clientSecret,
            refresh_token: credentials.refreshToken,
          }).toString(),
        }),
      (response) => (response.status === 429 ? secondsToMs(response.headers.get('retry-after')) : 'no'),
      options,
    );
    accessToken = (JSON.parse(text) as { access_token?: string }).access_token;
    if (!accessToken) throw new AdPlatformError('Google OAuth token: no access_token in the answer', 200);
    return accessToken;
  };
  const query = (window: DayWindow) =>
    'SELECT customer.id, customer.currency_code, customer.time_zone, campaign.id, campaign.name, segments.date, metrics.cost_micros, ' +
    'metrics.impressions, metrics.clicks, metrics.conversions, metrics.conversions_value FROM campaign ' +
    `WHERE segments.date BETWEEN '${window.since}' AND '${window.until}'`;
  return {
    query,
    async *pages(account, window) {
      let pageToken: string | undefined;
      for (let page = 1; ; page++) {
        const body = JSON.stringify({ query: query(window), ...(pageToken ? { pageToken } : {}) });
        const send = async (renew: boolean) =>
          fetchFn(`${base}/customers/${account.account}/googleAds:search`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${await token(renew)}`,
              'developer-token': credentials.developerToken,
              ...(credentials.loginCustomerId ? { 'login-customer-id': credentials.loginCustomerId.replace(/-/g, '') } : {}),
            },
            body,
          });
        let renewed = false;
        const text = await request(
          `Google Ads customer ${account.account} page ${page}`,
          async () => {
            const response = await send(false);
            if (response.status !== 401 || renewed) return response;
            renewed = true;
            return send(true);
          },
          (response, answer) => {
            const error = (answer as { error?: { status?: string; details?: { retryDelay?: string }[] } } | undefined)?.error;
            if (response.status === 429 || error?.status === 'RESOURCE_EXHAUSTED')
              return secondsToMs(response.headers.get('retry-after')) ?? secondsToMs(error?.details?.find((d) => d.retryDelay)?.retryDelay);
            return 'no';
          },
          options,
        );
        yield text;
        pageToken = (JSON.parse(text) as { nextPageToken?: string }).nextPageToken;
        if (!pageToken) return;
      }
    },
  };
}
