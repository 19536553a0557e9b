/**
 * The configuration document (SPEC §2): parsed and validated as a whole. A bad document is refused with every
 * problem listed (path and reason) and nothing of it is applied; a good one comes out with every amount already
 * in exact minor units of its channel's currency, so nothing downstream parses money again.
 */
import * as z from 'zod';
import { minorDigits, parseMoney } from '../kernel/money.ts';
import { isValidTimeZone, parseInstant } from '../kernel/time.ts';
import { RULES, type RuleName } from '../../events/outbound.ts';
import { currency, identifier, instant, region } from '../../events/fields.ts';
import { MAX_LOSS_RISK_PCT } from './budgets/reallocation.ts';

export const CHANNEL_KINDS = ['marketplace', 'live_stream', 'social_content', 'group_buy', 'own_store', 'offline', 'search_ads', 'other'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** Default lateness window: events that occurred longer ago than this (relative to arrival) are refused. */
export const DEFAULT_LATENESS_DAYS = 7;
/**
 * Default retention of stored events (days after arrival): a year and more, so last year's festival can be replayed
 * from the table and compared with this one.
 */
export const DEFAULT_EVENTS_RETENTION_DAYS = 400;
/**
 * Default restatement window of `Ad Spend Reported`: how many days before its arrival a report's `date` may lie.
 * Ad platforms restate for weeks as attribution matures (Meta's 28-day click window, Google's conversion lag).
 */
export const DEFAULT_REPORT_RESTATEMENT_DAYS = 35;
/** Default retention of the quarantine and duplicate logs (days after arrival). */
export const DEFAULT_LOGS_RETENTION_DAYS = 90;

/** How far in the future (relative to arrival) an event may claim to have occurred: clock skew allowance. */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

const decimal = z.union([z.string(), z.number()]);
const pct = z.number().gt(0).lt(100);
const id = identifier;

const channelSchema = z.strictObject({
  id,
  name: z.string().min(1),
  kind: z.enum(CHANNEL_KINDS),
  currency,
  budget: z.strictObject({ daily: decimal, monthly: decimal.optional() }),
  rules: z
    .strictObject({
      roiFloor: z.number().positive().optional(),
      roiDropPct: pct.optional(),
      minSpend: decimal.optional(),
      staleAfterMinutes: z.number().int().positive().optional(),
    })
    .optional(),
  stores: z.array(z.strictObject({ id, authorizedRegions: z.array(region).optional() })).optional(),
});

/** The languages the console, the reviews, alert summaries and chat messages speak. */
export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

const documentSchema = z.strictObject({
  timezone: z.string().refine(isValidTimeZone, 'is not an IANA timezone the runtime knows'),
  locale: z.enum(LOCALES).optional(),
  latenessDays: z.number().int().positive().max(366).optional(),
  reportRestatementDays: z.number().int().positive().max(366).optional(),
  channels: z.array(channelSchema).min(1),
  prices: z
    .array(
      z.strictObject({
        sku: id,
        guidePrice: decimal,
        maxDiscountPct: z.number().min(0).lt(100),
        channels: z.record(z.string(), z.strictObject({ maxDiscountPct: z.number().min(0).lt(100) })).optional(),
      }),
    )
    .optional(),
  promotions: z
    .array(
      z.strictObject({
        id,
        channelIds: z.array(id).min(1),
        skus: z.array(id).optional(),
        from: instant,
        to: instant,
        maxDiscountPct: z.number().min(0).lt(100),
      }),
    )
    .optional(),
  retention: z
    .strictObject({ eventsDays: z.number().int().positive().max(3660).optional(), logsDays: z.number().int().positive().max(3660).optional() })
    .optional(),
  alerting: z.strictObject({ repeatIntervalMinutes: z.number().int().positive().optional() }).optional(),
  silences: z
    .array(
      z.strictObject({
        rule: z.enum(RULES),
        channelId: id,
        storeId: id.optional(),
        sku: id.optional(),
        region: id.optional(),
        from: instant,
        to: instant,
        reason: z.string().optional(),
      }),
    )
    .optional(),
  sources: z
    .strictObject({
      shopify: z.array(z.strictObject({ shop: id, channelId: id, storeId: id.optional(), skus: z.record(z.string(), id).optional() })).optional(),
      douyin: z.array(z.strictObject({ shopId: id, channelId: id, storeId: id.optional(), skus: z.record(z.string(), id).optional() })).optional(),
      meta: z.array(z.strictObject({ accountId: id, channelId: id, timezone: z.string().optional() })).optional(),
      googleAds: z.array(z.strictObject({ customerId: id, channelId: id, timezone: z.string().optional() })).optional(),
    })
    .optional(),
  reallocation: z
    .strictObject({
      lookbackDays: z.number().int().positive().max(366).optional(),
      minDays: z.number().int().positive().optional(),
      maxShiftPct: z.number().gt(0).max(100).optional(),
      minDailyBudget: decimal.optional(),
      minGainPct: z.number().min(0).max(100).optional(),
      lossRiskPct: z.number().gt(0).max(MAX_LOSS_RISK_PCT).optional(),
      expiresAfterHours: z
        .number()
        .gt(0)
        .max(24 * 7)
        .optional(),
      reviewAfterDays: z.number().int().positive().max(90).optional(),
    })
    .optional(),
});

/** Notifications held back for a rule on a channel (optionally one subject) between `fromMs` and `toMs`. */
export interface Silence {
  readonly rule: RuleName;
  readonly channelId: string;
  readonly storeId?: string;
  readonly sku?: string;
  readonly region?: string;
  readonly fromMs: number;
  readonly toMs: number;
}

/**
 * A silence created through the API (Alertmanager's, as data): who made it, why, and — when ended early — when. It
 * needs no cleanup to end: matching compares `toMs` with the time, and ending early lowers `toMs`.
 */
export interface StoredSilence extends Silence {
  readonly id: string;
  readonly createdBy: string;
  readonly comment: string;
  readonly createdAtMs: number;
  readonly expiredAtMs?: number;
}

/**
 * The ids of the channels that sell in `currency`, in configuration order: budget moves only among them, and a move is
 * judged against the ones it left alone.
 */
export function channelIdsIn(config: Pick<SentinelConfig, 'channels'>, currency: string): string[] {
  return config.channels.filter((c) => c.currency === currency).map((c) => c.id);
}

/** The configuration with stored silences added to its own (what the rules mute notifications by). */
export function withSilences(config: SentinelConfig, stored: readonly Silence[]): SentinelConfig {
  return stored.length === 0 ? config : { ...config, silences: [...config.silences, ...stored] };
}

/** Which shop or ad account of a platform is which channel (and store), and how its SKUs map to ours. */
export interface ShopSource {
  /** The platform's id of the shop (Shopify: the myshopify domain; Douyin: the shop id). */
  readonly account: string;
  readonly channelId: string;
  readonly storeId?: string;
  /** Platform SKU (or variant id) → our SKU; unlisted SKUs pass through as they are. */
  readonly skus: Readonly<Record<string, string>>;
}

/** An ad account whose daily campaign reports feed a channel; `timezone` is the account's (default: the business one). */
export interface AdAccountSource {
  readonly account: string;
  readonly channelId: string;
  readonly timezone: string;
}

/** The platform connectors' mapping (`sources` in the document). */
export interface Sources {
  readonly shopify: readonly ShopSource[];
  readonly douyin: readonly ShopSource[];
  readonly meta: readonly AdAccountSource[];
  readonly googleAds: readonly AdAccountSource[];
}

export interface ChannelConfig {
  readonly id: string;
  readonly name: string;
  readonly kind: ChannelKind;
  readonly currency: string;
  readonly budget: { readonly daily: bigint; readonly monthly?: bigint };
  readonly rules: { readonly roiFloor?: number; readonly roiDropPct?: number; readonly minSpend?: bigint; readonly staleAfterMinutes?: number };
  readonly stores: readonly { readonly id: string; readonly authorizedRegions?: readonly string[] }[];
}

export interface PriceConfig {
  readonly sku: string;
  /** Guide price in major units as configured; parsed per channel currency where a rule applies it. */
  readonly guidePrice: string | number;
  readonly maxDiscountPct: number;
  readonly channels: Readonly<Record<string, { readonly maxDiscountPct: number }>>;
}

export interface PromotionConfig {
  readonly id: string;
  readonly channelIds: readonly string[];
  readonly skus?: readonly string[];
  readonly fromMs: number;
  readonly toMs: number;
  readonly maxDiscountPct: number;
}

export interface SentinelConfig {
  readonly timezone: string;
  /** What people read is written in (reviews, chat messages, the console's default); events stay locale-free. */
  readonly locale: Locale;
  readonly latenessDays: number;
  /** How many business days before its arrival an `Ad Spend Reported` may restate (default 35, less if retention is shorter). */
  readonly reportRestatementDays: number;
  readonly channels: readonly ChannelConfig[];
  readonly prices: readonly PriceConfig[];
  readonly promotions: readonly PromotionConfig[];
  /** Silences: notifications held back for (rule, channel, optional subject) between from and to. */
  readonly silences: readonly Silence[];
  /** Reminders for alerts still firing after this long; none when absent. */
  readonly repeatIntervalMs?: number;
  readonly reallocation: {
    readonly lookbackDays: number;
    readonly minDays: number;
    readonly maxShiftPct: number;
    readonly minDailyBudget: string | number;
    /** Extension: no proposal when the expected gain is below this % of the modelled daily GMV (default 1). */
    readonly minGainPct: number;
    /**
     * Extension: the largest chance (%) of losing GMV finance accepts in a proposal (default 5, at most 5): no proposal
     * when this percentile of the gain, over the curves the days allow, is not above zero. 5 is the 90 % range's low end.
     */
    readonly lossRiskPct: number;
    /** Extension: how long finance has to decide (default 24 h: the next day's proposal takes over). */
    readonly expiresAfterHours: number;
    /** Extension: whole business days an approved proposal is in force before its outcome is reviewed (default 7). */
    readonly reviewAfterDays: number;
  };
  /**
   * How long the deployed tables keep what they store, in days after arrival (DynamoDB TTL). Stored events outlive
   * the lateness window, so an event can never expire and then be admitted again: a redelivery that late is
   * `too_late`.
   */
  readonly retention: { readonly eventsDays: number; readonly logsDays: number };
  /** Platform shops and ad accounts mapped to channels (connectors); empty lists when not configured. */
  readonly sources: Sources;
  /** The document as given, for storage and display. */
  readonly source: unknown;
}

const DAY_MS = 86_400_000;

/**
 * Until when something that arrived at `arrivedAtMs` is kept: stored events for `retention.eventsDays`, the
 * quarantine and duplicate logs for `retention.logsDays`.
 */
export function retainUntilMs(config: SentinelConfig, what: 'events' | 'logs', arrivedAtMs: number): number {
  return arrivedAtMs + (what === 'events' ? config.retention.eventsDays : config.retention.logsDays) * DAY_MS;
}

export interface ConfigProblem {
  /** Where in the document, like `channels[2].budget.daily`; empty for the document itself. */
  readonly path: string;
  readonly reason: string;
}

export type ConfigResult = { ok: true; config: SentinelConfig } | { ok: false; problems: ConfigProblem[] };

function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

/**
 * Validates a configuration document. Invariant: either every problem is reported and no config is returned,
 * or the returned config is complete, internally consistent (ids unique, references resolve, amounts exact in
 * each channel's currency) and carries every default filled in.
 */
export function parseConfig(document: unknown): ConfigResult {
  const parsed = documentSchema.safeParse(document);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({ path: pathText(issue.path), reason: issue.message }));
    return { ok: false, problems: [...problems, ...problemsBeyondSchema(document, problems)] };
  }
  return checkDocument(parsed.data, document);
}

/**
 * Every problem in one pass: when the schema refuses parts of a document, the rest is still checked (references,
 * amounts in their currency, duplicates) on what does parse — its valid sections and list elements — so a person
 * fixing a configuration sees all of it at once, not one layer per attempt. A reference to a channel whose own entry
 * was refused is not reported again as unknown.
 */
function problemsBeyondSchema(document: unknown, schemaProblems: readonly ConfigProblem[]): ConfigProblem[] {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return [];
  const shape = documentSchema.shape as Record<string, z.ZodType>;
  const raw = document as Record<string, unknown>;
  const repaired: Record<string, unknown> = {};
  const indexMaps = new Map<string, number[]>();
  for (const [key, value] of Object.entries(raw)) {
    const schema = shape[key];
    if (!schema) continue;
    if (schema.safeParse(value).success) {
      repaired[key] = value;
      continue;
    }
    let inner: z.ZodType = schema;
    while (inner instanceof z.ZodOptional) inner = inner.unwrap() as z.ZodType;
    if (inner instanceof z.ZodArray && Array.isArray(value)) {
      // Keep the elements that parse; indexes shift, so their own findings are remapped below.
      const element = (inner as z.ZodArray<z.ZodType>).element as z.ZodType;
      const kept = value.map((item, index) => ({ item, index })).filter(({ item }) => element.safeParse(item).success);
      repaired[key] = kept.map((k) => k.item);
      indexMaps.set(
        key,
        kept.map((k) => k.index),
      );
    }
  }
  const result = documentSchema.safeParse(repaired);
  if (!result.success) return [];
  const checked = checkDocument(result.data, document);
  const seen = new Set(schemaProblems.map((p) => `${p.path}|${p.reason}`));
  const rawChannelIds = new Set(
    (Array.isArray(raw.channels) ? raw.channels : []).flatMap((c) =>
      typeof c === 'object' && c !== null && typeof (c as { id?: unknown }).id === 'string' ? [(c as { id: string }).id] : [],
    ),
  );
  return (checked.ok ? [] : checked.problems)
    .map((p) => ({ ...p, path: remapPath(p.path) }))
    .filter((p) => !seen.has(`${p.path}|${p.reason}`))
    .filter((p) => !/unknown channel "(.*)"/.test(p.reason) || !rawChannelIds.has(/unknown channel "(.*)"/.exec(p.reason)?.[1] ?? ''));

  function remapPath(path: string): string {
    return path.replace(/^([a-zA-Z]+)\[(\d+)\]/, (whole, key: string, index: string) => {
      const map = indexMaps.get(key);
      return map ? `${key}[${map[Number(index)] ?? index}]` : whole;
    });
  }
}
/** The checks beyond the schema, on a document the schema accepts. */
function checkDocument(doc: z.infer<typeof documentSchema>, document: unknown): ConfigResult {
  const problems: ConfigProblem[] = [];
  const money = (value: string | number, currency: string, path: string): bigint => {
    const result = parseMoney(value, currency);
    if (result.ok) return result.minor;
    problems.push({ path, reason: result.reason });
    return 0n;
  };

  const channelIds = new Set<string>();
  const channels: ChannelConfig[] = doc.channels.map((c, i) => {
    if (channelIds.has(c.id)) problems.push({ path: `channels[${i}].id`, reason: `duplicate channel id "${c.id}"` });
    channelIds.add(c.id);
    const storeIds = new Set<string>();
    (c.stores ?? []).forEach((s, j) => {
      if (storeIds.has(s.id)) problems.push({ path: `channels[${i}].stores[${j}].id`, reason: `duplicate store id "${s.id}"` });
      storeIds.add(s.id);
    });
    const daily = money(c.budget.daily, c.currency, `channels[${i}].budget.daily`);
    const monthly = c.budget.monthly === undefined ? undefined : money(c.budget.monthly, c.currency, `channels[${i}].budget.monthly`);
    if (monthly !== undefined && monthly < daily) {
      problems.push({ path: `channels[${i}].budget.monthly`, reason: 'is smaller than the daily budget' });
    }
    const minSpend = c.rules?.minSpend === undefined ? undefined : money(c.rules.minSpend, c.currency, `channels[${i}].rules.minSpend`);
    return {
      id: c.id,
      name: c.name,
      kind: c.kind,
      currency: c.currency,
      budget: monthly === undefined ? { daily } : { daily, monthly },
      rules: {
        ...(c.rules?.roiFloor === undefined ? {} : { roiFloor: c.rules.roiFloor }),
        ...(c.rules?.roiDropPct === undefined ? {} : { roiDropPct: c.rules.roiDropPct }),
        ...(c.rules?.staleAfterMinutes === undefined ? {} : { staleAfterMinutes: c.rules.staleAfterMinutes }),
        ...(minSpend === undefined ? {} : { minSpend }),
      },
      stores: c.stores ?? [],
    };
  });

  // Prices and the reallocation floor carry no currency of their own (SPEC §2): they must be expressible in at
  // least one channel's currency, and the rules apply them only to channels whose currency can express them.
  const currencies = [...new Set(channels.map((c) => c.currency))].sort((a, b) => minorDigits(b) - minorDigits(a));
  const inSomeCurrency = (value: string | number, path: string) => {
    const results = currencies.map((cur) => parseMoney(value, cur));
    if (!results.some((r) => r.ok)) money(value, currencies[0] as string, path);
  };
  const skus = new Set<string>();
  (doc.prices ?? []).forEach((p, i) => {
    if (skus.has(p.sku)) problems.push({ path: `prices[${i}].sku`, reason: `duplicate sku "${p.sku}"` });
    skus.add(p.sku);
    inSomeCurrency(p.guidePrice, `prices[${i}].guidePrice`);
    for (const channelId of Object.keys(p.channels ?? {})) {
      if (!channelIds.has(channelId)) problems.push({ path: `prices[${i}].channels.${channelId}`, reason: `unknown channel "${channelId}"` });
    }
  });

  const promotions: PromotionConfig[] = (doc.promotions ?? []).map((p, i) => {
    p.channelIds.forEach((channelId, j) => {
      if (!channelIds.has(channelId)) problems.push({ path: `promotions[${i}].channelIds[${j}]`, reason: `unknown channel "${channelId}"` });
    });
    const fromMs = parseInstant(p.from) as number;
    const toMs = parseInstant(p.to) as number;
    if (toMs <= fromMs) problems.push({ path: `promotions[${i}].to`, reason: 'must be after from' });
    return { id: p.id, channelIds: p.channelIds, ...(p.skus ? { skus: p.skus } : {}), fromMs, toMs, maxDiscountPct: p.maxDiscountPct };
  });

  const silences: Silence[] = (doc.silences ?? []).map((s, i) => {
    if (!channelIds.has(s.channelId)) problems.push({ path: `silences[${i}].channelId`, reason: `unknown channel "${s.channelId}"` });
    const fromMs = parseInstant(s.from) as number;
    const toMs = parseInstant(s.to) as number;
    if (toMs <= fromMs) problems.push({ path: `silences[${i}].to`, reason: 'must be after from' });
    return {
      rule: s.rule,
      channelId: s.channelId,
      ...(s.storeId ? { storeId: s.storeId } : {}),
      ...(s.sku ? { sku: s.sku } : {}),
      ...(s.region ? { region: s.region } : {}),
      fromMs,
      toMs,
    };
  });

  const reallocation = {
    lookbackDays: doc.reallocation?.lookbackDays ?? 14,
    minDays: doc.reallocation?.minDays ?? 7,
    maxShiftPct: doc.reallocation?.maxShiftPct ?? 20,
    minDailyBudget: doc.reallocation?.minDailyBudget ?? '500.00',
    minGainPct: doc.reallocation?.minGainPct ?? 1,
    lossRiskPct: doc.reallocation?.lossRiskPct ?? MAX_LOSS_RISK_PCT,
    expiresAfterHours: doc.reallocation?.expiresAfterHours ?? 24,
    reviewAfterDays: doc.reallocation?.reviewAfterDays ?? 7,
  };
  if (reallocation.minDays > reallocation.lookbackDays) {
    problems.push({ path: 'reallocation.minDays', reason: 'is larger than lookbackDays' });
  }
  inSomeCurrency(reallocation.minDailyBudget, 'reallocation.minDailyBudget');

  const latenessDays = doc.latenessDays ?? DEFAULT_LATENESS_DAYS;
  const retention = {
    eventsDays: doc.retention?.eventsDays ?? DEFAULT_EVENTS_RETENTION_DAYS,
    logsDays: doc.retention?.logsDays ?? DEFAULT_LOGS_RETENTION_DAYS,
  };
  if (retention.eventsDays <= latenessDays) {
    problems.push({
      path: 'retention.eventsDays',
      reason: `must exceed latenessDays (${latenessDays}): an event that expired could otherwise be admitted again`,
    });
  }
  // A report in force must outlive its restatements. A short retention shortens the default window rather than
  // refusing a configuration that never asked for restatements; an explicit window it cannot hold is refused.
  const reportRestatementDays = doc.reportRestatementDays ?? Math.max(1, Math.min(DEFAULT_REPORT_RESTATEMENT_DAYS, retention.eventsDays - 2));
  if (doc.reportRestatementDays !== undefined && retention.eventsDays <= reportRestatementDays + 1) {
    problems.push({
      path: 'retention.eventsDays',
      reason: `must exceed reportRestatementDays + 1 (${reportRestatementDays + 1}): a campaign-day's report in force could otherwise expire before its restatements stop`,
    });
  }

  const sources = sourcesOf(doc.sources, channelIds, doc.timezone, problems);

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      timezone: doc.timezone,
      locale: doc.locale ?? 'en',
      latenessDays,
      reportRestatementDays,
      channels,
      prices: (doc.prices ?? []).map((p) => ({ sku: p.sku, guidePrice: p.guidePrice, maxDiscountPct: p.maxDiscountPct, channels: p.channels ?? {} })),
      promotions,
      silences,
      ...(doc.alerting?.repeatIntervalMinutes === undefined ? {} : { repeatIntervalMs: doc.alerting.repeatIntervalMinutes * 60_000 }),
      reallocation,
      retention,
      sources,
      source: document,
    },
  };
}

type SourcesDocument = z.infer<typeof documentSchema>['sources'];

/** Validates the connectors' mapping: known channels, valid timezones, each shop or account mapped once. */
function sourcesOf(doc: SourcesDocument, channelIds: ReadonlySet<string>, timezone: string, problems: ConfigProblem[]): Sources {
  const check = (path: string, entries: readonly { channelId: string; timezone?: string | undefined }[], keyOf: (i: number) => string) => {
    const seen = new Set<string>();
    entries.forEach((e, i) => {
      if (!channelIds.has(e.channelId)) problems.push({ path: `sources.${path}[${i}].channelId`, reason: `unknown channel "${e.channelId}"` });
      if (e.timezone !== undefined && !isValidTimeZone(e.timezone))
        problems.push({ path: `sources.${path}[${i}].timezone`, reason: 'is not an IANA timezone the runtime knows' });
      const key = keyOf(i);
      if (seen.has(key)) problems.push({ path: `sources.${path}[${i}]`, reason: `"${key}" is mapped twice` });
      seen.add(key);
    });
  };
  const shopify = doc?.shopify ?? [];
  const douyin = doc?.douyin ?? [];
  const meta = doc?.meta ?? [];
  const googleAds = doc?.googleAds ?? [];
  check('shopify', shopify, (i) => shopify[i]?.shop.toLowerCase() ?? '');
  check('douyin', douyin, (i) => douyin[i]?.shopId ?? '');
  check('meta', meta, (i) => meta[i]?.accountId.replace(/^act_/, '') ?? '');
  check('googleAds', googleAds, (i) => googleAds[i]?.customerId.replace(/-/g, '') ?? '');
  const shop = (account: string, s: { channelId: string; storeId?: string | undefined; skus?: Record<string, string> | undefined }): ShopSource => ({
    account,
    channelId: s.channelId,
    ...(s.storeId === undefined ? {} : { storeId: s.storeId }),
    skus: s.skus ?? {},
  });
  return {
    shopify: shopify.map((s) => shop(s.shop.toLowerCase(), s)),
    douyin: douyin.map((s) => shop(s.shopId, s)),
    meta: meta.map((a) => ({ account: a.accountId.replace(/^act_/, ''), channelId: a.channelId, timezone: a.timezone ?? timezone })),
    googleAds: googleAds.map((a) => ({ account: a.customerId.replace(/-/g, ''), channelId: a.channelId, timezone: a.timezone ?? timezone })),
  };
}

/** Renders problems one per line, for CLI errors and logs. */
export function describeProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((p) => `  - ${p.path || '(document)'}: ${p.reason}`).join('\n');
}
