/**
 * What an alert says to a person in a chat: a title and a few lines of text from an outbound alert event — rule,
 * severity, channel and subject, the summary, the money at risk and a link to the alert in the console — in the
 * configured language; and the short digest of a published review with a link to the whole of it. Pure.
 */
import type { ReviewPublishedDetail } from '../../events/outbound.ts';
import type { RuleName } from '../../events/outbound.ts';
import type { Locale } from '../domain/config.ts';
import { formatAmount, ruleName, t } from '../domain/i18n.ts';
import { reviewDigest } from '../domain/reviews/text.ts';

export interface AlertMessage {
  readonly title: string;
  /** Lines of plain text (each bot renders them in its own markup). */
  readonly lines: readonly string[];
  readonly link?: string;
  /** The alert's severity and state, for colour or emphasis where a bot has them. */
  readonly tone: 'critical' | 'warning' | 'resolved' | 'info';
}

/** The detail-types a chat is told about: every alert transition, and the published reviews. */
export const CHAT_DETAIL_TYPES = [
  'Alert Raised',
  'Alert Escalated',
  'Alert Resolved',
  'Alert Acknowledged',
  'Alert Reminder Sent',
  'Review Published',
] as const;

const HEADS: Record<Locale, Record<string, string>> = {
  en: {
    'Alert Raised': 'Raised',
    'Alert Escalated': 'Escalated',
    'Alert Resolved': 'Resolved',
    'Alert Acknowledged': 'Acknowledged',
    'Alert Reminder Sent': 'Still firing',
  },
  'zh-CN': {
    'Alert Raised': '新告警',
    'Alert Escalated': '告警升级',
    'Alert Resolved': '已解决',
    'Alert Acknowledged': '已认领',
    'Alert Reminder Sent': '仍未解决',
  },
};

const WORDS = {
  en: { on: 'on', from: 'from', resolved: 'Resolved', acknowledgedBy: 'Acknowledged by', atRisk: 'At risk', alert: 'Alert' },
  'zh-CN': { on: '·', from: '原为', resolved: '解决原因', acknowledgedBy: '认领人', atRisk: '涉及金额', alert: '告警编号' },
} as const;

/**
 * The chat message for an outbound event in `locale` (a review in its own), or `undefined` for events chats are not
 * told about. The rule's own summary sentence is quoted as the event states it.
 */
export function alertMessage(
  event: { 'detail-type': string; detail: Record<string, unknown> },
  consoleUrl?: string,
  locale: Locale = 'en',
): AlertMessage | undefined {
  const type = event['detail-type'];
  if (!(CHAT_DETAIL_TYPES as readonly string[]).includes(type)) return undefined;
  if (type === 'Review Published') {
    const review = event.detail as unknown as ReviewPublishedDetail;
    // People are told of a review once: its revisions (late data) update the record, not the chat.
    if (review.revision > 0) return undefined;
    return { ...reviewDigest(review, review.locale, consoleUrl), tone: 'info' };
  }
  const d = event.detail;
  const w = WORDS[locale];
  const text = (k: string) => (d[k] === undefined || d[k] === null ? undefined : String(d[k]));
  const subject = [text('storeId'), text('sku'), text('region'), text('period'), text('basis')].filter(Boolean).join(' · ');
  const severity = text('severity');
  const sev = (s: string | undefined) => (s === 'warning' || s === 'critical' ? t(locale, `severity_${s}`) : s);
  const head = `${HEADS[locale][type]}${severity && type !== 'Alert Resolved' ? ` (${sev(severity)}${type === 'Alert Escalated' ? ` ${w.from} ${sev(text('previousSeverity'))}` : ''})` : ''}`;
  const rule = locale === 'en' ? text('rule') : ruleName(locale, text('rule') as RuleName);
  const title = `${head}: ${rule} ${w.on} ${text('channelId')}${subject ? ` — ${subject}` : ''}`;
  const impact = d.impact as { amount?: string; currency?: string; basis?: string } | undefined;
  const lines = [
    ...(type === 'Alert Resolved' ? [`${w.resolved}: ${text('reason')}`] : []),
    ...(type === 'Alert Acknowledged' ? [`${w.acknowledgedBy} ${text('acknowledgedBy')}${text('note') ? `: “${text('note')}”` : ''}`] : []),
    ...(text('summary') ? [String(text('summary'))] : []),
    ...(impact?.amount
      ? [
          locale === 'en'
            ? `${w.atRisk}: ${impact.amount} ${impact.currency ?? ''} — ${impact.basis ?? ''}`.trim()
            : `${w.atRisk}：${formatAmount(impact.amount, impact.currency ?? 'CNY', locale)}`,
        ]
      : []),
    `${w.alert} ${text('alertId')}`,
  ];
  const link = consoleUrl ? `${consoleUrl.replace(/\/$/, '')}/#alerts` : undefined;
  const tone = type === 'Alert Resolved' ? 'resolved' : type === 'Alert Acknowledged' ? 'info' : severity === 'critical' ? 'critical' : 'warning';
  return { title, lines, ...(link ? { link } : {}), tone };
}
