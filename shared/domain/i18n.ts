/**
 * What people read, in their language: the terms the business plans use (GMV, 客单价, 转化率, ROI, 投放, 窜货, 控价,
 * 团长) and numbers, money and dates formatted by `Intl` for the locale. Events stay locale-free — codes and decimal
 * strings — and are put into words only here, at the edge where a person reads them (reviews, chat messages, the
 * terminal). zh-CN is Simplified Chinese, as the locale says.
 */
import type { RuleName } from '../../events/outbound.ts';
import type { Locale } from './config.ts';

const EN = {
  period_day: 'Daily review',
  period_week: 'Weekly review',
  period_month: 'Monthly review',
  to_date: 'to date',
  channel: 'Channel',
  gmv: 'GMV',
  orders: 'Orders',
  aov: 'AOV',
  conversion: 'Conversion',
  roi: 'ROI',
  refundRate: 'Refund rate',
  refunds: 'Refunds',
  spend: 'Ad spend',
  budget: 'Budget',
  utilisation: 'Budget used',
  roiFloor: 'ROI floor',
  vsPrevious: 'vs previous',
  previousPeriod: 'Previous period',
  roiTrend: 'ROI by day',
  movers: 'Biggest movers',
  incidents: 'Rectification log',
  problem: 'Problem',
  raised: 'Found',
  impact: 'Impact',
  action: 'Action taken',
  resolved: 'Resolved',
  stillFiring: 'still open',
  by: 'by',
  proposals: 'Budget proposals',
  expectedGain: 'Expected gain / day',
  realised: 'Realised / day',
  againstUnmoved: 'against the unmoved channels',
  beforeAfter: 'before/after',
  status: 'Status',
  stores: 'Store and leader leaderboard',
  rank: 'Rank',
  store: 'Store',
  violations: 'Price violations',
  diverted: 'Diverted orders',
  none: 'none',
  belowFloor: 'below floor',
  aboveFloor: 'above floor',
  noSpend: 'no spend',
  noFloor: 'no floor',
  status_pending: 'pending',
  status_approved: 'approved',
  status_rejected: 'rejected',
  status_expired: 'expired',
  rule_price_violation: 'Price below the floor (price control)',
  rule_unauthorized_region: 'Sold outside the territory (diversion)',
  rule_budget_overrun: 'Budget overrun',
  rule_roi_drop: 'ROI drop',
  rule_feed_stale: 'Feed stopped',
  rule_conversion_mismatch: 'Inflated partner conversions',
  severity_warning: 'warning',
  severity_critical: 'critical',
  open: 'Open the review',
  days: 'days',
} as const;

export type MessageKey = keyof typeof EN;

const ZH_CN: Record<MessageKey, string> = {
  period_day: '每日复盘',
  period_week: '周度复盘',
  period_month: '月度复盘',
  to_date: '截至目前',
  channel: '渠道',
  gmv: 'GMV',
  orders: '订单数',
  aov: '客单价',
  conversion: '转化率',
  roi: 'ROI',
  refundRate: '退款率',
  refunds: '退款金额',
  spend: '投放花费',
  budget: '预算',
  utilisation: '预算使用率',
  roiFloor: 'ROI 底线',
  vsPrevious: '环比',
  previousPeriod: '上期',
  roiTrend: '每日 ROI',
  movers: '变化最大的渠道',
  incidents: '问题整改记录',
  problem: '问题',
  raised: '发现时间',
  impact: '影响金额',
  action: '整改措施',
  resolved: '解决时间',
  stillFiring: '尚未解决',
  by: '处理人',
  proposals: '预算调整建议',
  expectedGain: '预计日增 GMV',
  realised: '实际日增 GMV',
  againstUnmoved: '扣除未调整渠道同期变化后',
  beforeAfter: '前后直接对比',
  status: '状态',
  stores: '门店与团长排行榜',
  rank: '排名',
  store: '门店/团长',
  violations: '破价次数（控价）',
  diverted: '窜货订单',
  none: '无',
  belowFloor: '低于底线',
  aboveFloor: '高于底线',
  noSpend: '无投放',
  noFloor: '未设底线',
  status_pending: '待审批',
  status_approved: '已批准',
  status_rejected: '已驳回',
  status_expired: '已过期',
  rule_price_violation: '低于控价底价（破价）',
  rule_unauthorized_region: '跨区销售（窜货）',
  rule_budget_overrun: '投放预算超支',
  rule_roi_drop: 'ROI 下滑',
  rule_feed_stale: '数据断流',
  rule_conversion_mismatch: '合作方转化数据虚报',
  severity_warning: '警告',
  severity_critical: '严重',
  open: '查看完整复盘',
  days: '天',
};

const CATALOGS: Record<Locale, Record<MessageKey, string>> = { en: EN, 'zh-CN': ZH_CN };

/** The message `key` in `locale`. */
export const t = (locale: Locale, key: MessageKey): string => CATALOGS[locale][key];

/** A rule's name as the plans call it. */
export const ruleName = (locale: Locale, rule: RuleName): string => t(locale, `rule_${rule}`);

const numberFormats = new Map<string, Intl.NumberFormat>();
function numberFormat(locale: Locale, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = numberFormats.get(key);
  if (!format) numberFormats.set(key, (format = new Intl.NumberFormat(locale, options)));
  return format;
}

/**
 * A decimal-string amount as money in `locale` (¥1,234.50 in zh-CN, CN¥1,234.50 in en). Display only: the digits
 * come from the exact string, through a number, which is exact for any amount a review holds (< 2^53 minor units).
 */
export function formatAmount(amount: string | null, currency: string, locale: Locale, signed = false): string {
  if (amount === null) return '—';
  return numberFormat(locale, { style: 'currency', currency, ...(signed ? { signDisplay: 'exceptZero' as const } : {}) }).format(Number(amount));
}

export const formatCount = (n: number, locale: Locale) => numberFormat(locale, { maximumFractionDigits: 0 }).format(n);

export const formatRatio = (x: number | null, locale: Locale) =>
  x === null ? '—' : numberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(x);

export function formatPct(x: number | null, locale: Locale, signed = false): string {
  if (x === null) return '—';
  return numberFormat(locale, { style: 'percent', maximumFractionDigits: 1, ...(signed ? { signDisplay: 'exceptZero' as const } : {}) }).format(x);
}

/** A business day `YYYY-MM-DD` in words: 3 Nov 2025 / 2025年11月3日. */
export function formatDay(day: string, locale: Locale): string {
  return new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${day}T12:00:00Z`));
}

/** An instant on the business wall clock: 2025-11-03 20:00 / 2025/11/3 20:00. */
export function formatInstant(iso: string, timeZone: string, locale: Locale): string {
  return new Intl.DateTimeFormat(locale === 'en' ? 'sv-SE' : locale, { dateStyle: 'short', timeStyle: 'short', timeZone }).format(new Date(iso));
}
