/**
 * What an alert says to a person in a chat: a title and a few lines of text from an outbound alert event — rule,
 * severity, channel and subject, the summary, the money at risk and a link to the alert in the console. Pure.
 */
export interface AlertMessage {
  readonly title: string;
  /** Lines of plain text (each bot renders them in its own markup). */
  readonly lines: readonly string[];
  readonly link?: string;
  /** The alert's severity and state, for colour or emphasis where a bot has them. */
  readonly tone: 'critical' | 'warning' | 'resolved' | 'info';
}

/** The alert detail-types a chat is told about. */
export const CHAT_DETAIL_TYPES = ['Alert Raised', 'Alert Escalated', 'Alert Resolved', 'Alert Acknowledged', 'Alert Reminder Sent'] as const;

const HEADS: Record<string, string> = {
  'Alert Raised': 'Raised',
  'Alert Escalated': 'Escalated',
  'Alert Resolved': 'Resolved',
  'Alert Acknowledged': 'Acknowledged',
  'Alert Reminder Sent': 'Still firing',
};

/** The chat message for an outbound alert event, or `undefined` for events chats are not told about. */
export function alertMessage(event: { 'detail-type': string; detail: Record<string, unknown> }, consoleUrl?: string): AlertMessage | undefined {
  const type = event['detail-type'];
  if (!(CHAT_DETAIL_TYPES as readonly string[]).includes(type)) return undefined;
  const d = event.detail;
  const text = (k: string) => (d[k] === undefined || d[k] === null ? undefined : String(d[k]));
  const subject = [text('storeId'), text('sku'), text('region'), text('period'), text('basis')].filter(Boolean).join(' · ');
  const severity = text('severity');
  const head = `${HEADS[type]}${severity && type !== 'Alert Resolved' ? ` (${severity}${type === 'Alert Escalated' ? ` from ${text('previousSeverity')}` : ''})` : ''}`;
  const title = `${head}: ${text('rule')} on ${text('channelId')}${subject ? ` — ${subject}` : ''}`;
  const impact = d.impact as { amount?: string; currency?: string; basis?: string } | undefined;
  const lines = [
    ...(type === 'Alert Resolved' ? [`Resolved: ${text('reason')}`] : []),
    ...(type === 'Alert Acknowledged' ? [`Acknowledged by ${text('acknowledgedBy')}${text('note') ? `: “${text('note')}”` : ''}`] : []),
    ...(text('summary') ? [String(text('summary'))] : []),
    ...(impact?.amount ? [`At risk: ${impact.amount} ${impact.currency ?? ''} — ${impact.basis ?? ''}`.trim()] : []),
    `Alert ${text('alertId')}`,
  ];
  const link = consoleUrl ? `${consoleUrl.replace(/\/$/, '')}/#alerts` : undefined;
  const tone = type === 'Alert Resolved' ? 'resolved' : type === 'Alert Acknowledged' ? 'info' : severity === 'critical' ? 'critical' : 'warning';
  return { title, lines, ...(link ? { link } : {}), tone };
}
