/**
 * A review in words, in the configured language: the one-sentence summary the event carries, the short digest a
 * chat receives, and the full text `sentinel report` prints. Every figure comes from the review itself.
 */
import type { ReviewPublishedDetail } from '../../../events/outbound.ts';
import type { Locale } from '../config.ts';
import { formatAmount, formatCount, formatDay, formatInstant, formatPct, formatRatio, ruleName, t } from '../i18n.ts';
import { parseMoney, formatMoney } from '../../kernel/money.ts';
import { compareText } from '../../kernel/compare.ts';

/** A parenthesis and a colon as each language writes them (full-width in Chinese). */
const paren = (text: string, locale: Locale) => (locale === 'zh-CN' ? `（${text}）` : ` (${text})`);
const colon = (locale: Locale) => (locale === 'zh-CN' ? '：' : ': ');

/**
 * An approved proposal's realised gain as the review states it: first what the move can be credited with (against the
 * unmoved channels), the plain before/after change beside it — never the plain change alone when the credited one is
 * known, since a festival lifts every channel and would pass for the move's doing.
 */
function realisedText(r: NonNullable<ReviewPublishedDetail['proposals'][number]['realised']>, currency: string, locale: Locale): string {
  const L = (key: Parameters<typeof t>[1]) => t(locale, key);
  const sep = locale === 'zh-CN' ? '，' : ', ';
  const days = `${r.days} ${L('days')}`;
  if (!r.attributed) return `${L('realised')} ${formatAmount(r.change, currency, locale, true)}${paren(days, locale)}`;
  if (r.attributed.method === 'before_after')
    return `${L('realised')} ${formatAmount(r.change, currency, locale, true)}${paren(`${L('beforeAfter')}${sep}${days}`, locale)}`;
  return `${L('realised')} ${formatAmount(r.attributed.amount, currency, locale, true)} ${L('againstUnmoved')}${paren(
    `${L('beforeAfter')} ${formatAmount(r.change, currency, locale, true)}${sep}${days}`,
    locale,
  )}`;
}

type Review = Pick<ReviewPublishedDetail, 'period' | 'from' | 'to' | 'complete' | 'channels' | 'incidents' | 'proposals'> &
  Partial<Pick<ReviewPublishedDetail, 'incidentsTotal'>>;

/** "Weekly review 3 Nov 2025 – 9 Nov 2025" / "周度复盘 2025年11月3日 – 2025年11月9日". */
export function reviewTitle(review: Pick<Review, 'period' | 'from' | 'to' | 'complete'>, locale: Locale): string {
  const when = review.from === review.to ? formatDay(review.from, locale) : `${formatDay(review.from, locale)} – ${formatDay(review.to, locale)}`;
  return `${t(locale, `period_${review.period}`)} ${when}${review.complete ? '' : paren(t(locale, 'to_date'), locale)}`;
}

/** GMV per currency, now and before, exactly (channels of one currency add up; currencies never mix). */
function gmvByCurrency(review: Pick<Review, 'channels'>) {
  const out = new Map<string, { now: bigint; before: bigint }>();
  for (const c of review.channels) {
    const entry = out.get(c.currency) ?? { now: 0n, before: 0n };
    const parse = (s: string) => {
      const parsed = parseMoney(s, c.currency);
      return parsed.ok ? parsed.minor : 0n;
    };
    entry.now += parse(c.totals.gmv);
    entry.before += parse(c.previous.totals.gmv);
    out.set(c.currency, entry);
  }
  return [...out.entries()].sort(([a], [b]) => compareText(a, b));
}

function gmvText(review: Pick<Review, 'channels'>, locale: Locale): string {
  return gmvByCurrency(review)
    .map(([currency, { now, before }]) => {
      const change = before === 0n ? null : Number(now - before) / Number(before);
      const amount = formatAmount(formatMoney(now, currency), currency, locale);
      if (change === null) return amount;
      const vs = `${t(locale, 'vsPrevious')} ${formatPct(change, locale, true)}`;
      return locale === 'zh-CN' ? `${amount}（${vs}）` : `${amount} (${vs})`;
    })
    .join(locale === 'en' ? ', ' : '，');
}

/** The one sentence the event carries as `summary`. */
export function reviewSummary(review: Review, locale: Locale): string {
  const open = review.incidents.filter((i) => i.status === 'firing').length;
  const incidents = review.incidentsTotal ?? review.incidents.length;
  const n = review.channels.length;
  if (locale === 'zh-CN')
    return (
      `${reviewTitle(review, locale)}：${n} 个渠道 GMV ${gmvText(review, locale)}；` +
      `问题 ${incidents} 个（${open} 个尚未解决）；预算调整建议 ${review.proposals.length} 条。`
    );
  return (
    `${reviewTitle(review, locale)}: GMV ${gmvText(review, locale)} across ${n} channel${n === 1 ? '' : 's'}; ` +
    `${incidents} incident${incidents === 1 ? '' : 's'} (${open} still open); ` +
    `${review.proposals.length} budget proposal${review.proposals.length === 1 ? '' : 's'}.`
  );
}

/** What a chat receives: a title, a few lines and the link to the whole review. */
export function reviewDigest(review: ReviewPublishedDetail, locale: Locale, consoleUrl?: string): { title: string; lines: string[]; link?: string } {
  const lines = [review.locale === locale ? review.summary : reviewSummary(review, locale)];
  const worst = [...review.channels].filter((c) => c.plan.roiStatus === 'below_floor').map((c) => c.channelId);
  if (worst.length > 0) lines.push(`${t(locale, 'roi')} ${t(locale, 'belowFloor')}${colon(locale)}${worst.join(', ')}`);
  const leader = review.stores[0];
  if (leader)
    lines.push(
      `${t(locale, 'stores')} #1${colon(locale)}${leader.storeId}${paren(leader.channelId, locale)} ${formatAmount(leader.gmv, leader.currency, locale)}`,
    );
  const link = consoleUrl ? `${consoleUrl.replace(/\/$/, '')}/#review/${review.reviewId}` : undefined;
  return { title: reviewTitle(review, locale), lines, ...(link ? { link } : {}) };
}

const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/;
/** Terminal columns of a text: East Asian characters take two. */
const columns = (text: string) => [...text].reduce((n, ch) => n + (WIDE.test(ch) ? 2 : 1), 0);
const pad = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - columns(text)));

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(...[h, ...rows.map((r) => r[i] ?? '')].map(columns)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => pad(c, widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** The whole review as terminal text (`sentinel report`). */
export function reviewText(review: ReviewPublishedDetail, locale: Locale): string {
  const L = (key: Parameters<typeof t>[1]) => t(locale, key);
  const out: string[] = [reviewTitle(review, locale), review.locale === locale ? review.summary : reviewSummary(review, locale), ''];
  out.push(
    ...table(
      [
        L('channel'),
        L('gmv'),
        L('vsPrevious'),
        L('orders'),
        L('aov'),
        L('conversion'),
        L('refundRate'),
        L('spend'),
        L('budget'),
        L('utilisation'),
        L('roi'),
        L('roiFloor'),
      ],
      review.channels.map((c) => [
        c.channelId,
        formatAmount(c.totals.gmv, c.currency, locale),
        formatPct(c.change.gmvPct, locale, true),
        formatCount(c.totals.orders, locale),
        formatAmount(c.kpis.aov, c.currency, locale),
        formatPct(c.kpis.conversionRate, locale),
        formatPct(c.kpis.refundRate, locale),
        formatAmount(c.totals.spend, c.currency, locale),
        formatAmount(c.plan.budget, c.currency, locale),
        formatPct(c.plan.utilisation, locale),
        formatRatio(c.kpis.roi, locale),
        c.plan.roiFloor === null
          ? '—'
          : `${formatRatio(c.plan.roiFloor, locale)}${paren(L(c.plan.roiStatus === 'below_floor' ? 'belowFloor' : c.plan.roiStatus === 'above_floor' ? 'aboveFloor' : c.plan.roiStatus === 'no_spend' ? 'noSpend' : 'noFloor'), locale)}`,
      ]),
    ),
  );
  if (review.channels.some((c) => c.roiByDay.length > 1)) {
    out.push('', L('roiTrend'));
    out.push(
      ...table(
        [L('channel'), ...(review.channels[0]?.roiByDay ?? []).map((d) => d.day.slice(5))],
        review.channels.map((c) => [c.channelId, ...c.roiByDay.map((d) => formatRatio(d.roi, locale))]),
      ),
    );
  }
  out.push(
    '',
    `${L('movers')}${colon(locale)}${review.movers.length === 0 ? L('none') : review.movers.map((m) => `${m.channelId} ${formatPct(m.gmvChangePct, locale, true)}${paren(formatAmount(m.gmvChange, m.currency, locale, true), locale)}`).join(locale === 'zh-CN' ? '，' : ', ')}`,
  );
  const shown = (listed: number, total: number) => (total > listed ? `${listed}/${total}` : String(total));
  out.push('', `${L('incidents')}${paren(shown(review.incidents.length, review.incidentsTotal), locale)}`);
  if (review.incidents.length === 0) out.push(`  ${L('none')}`);
  for (const i of review.incidents) {
    const subject = [i.channelId, i.storeId, i.sku, i.region, i.period, i.basis].filter(Boolean).join(' · ');
    out.push(
      `- ${formatInstant(i.raisedAt, review.timezone, locale)}  ${ruleName(locale, i.rule)} [${L(`severity_${i.severity}`)}]  ${subject}`,
      `    ${L('impact')}${colon(locale)}${i.impact ? formatAmount(i.impact.amount, i.impact.currency, locale) : '—'} · ${L('action')}${colon(locale)}${i.acknowledgedBy ? `${i.note ?? '—'}${paren(`${L('by')} ${i.acknowledgedBy}`, locale)}` : '—'} · ${L('resolved')}${colon(locale)}${i.resolvedAt ? `${formatInstant(i.resolvedAt, review.timezone, locale)}${i.resolveReason ? paren(i.resolveReason, locale) : ''}` : L('stillFiring')}`,
    );
  }
  out.push('', `${L('proposals')}${paren(String(review.proposals.length), locale)}`);
  if (review.proposals.length === 0) out.push(`  ${L('none')}`);
  for (const p of review.proposals)
    out.push(
      `- ${p.proposalId}  ${L(`status_${p.status}`)}  ${L('expectedGain')} ${formatAmount(p.expectedGain.amount, p.currency, locale, true)}${paren(`${formatAmount(p.expectedGain.low, p.currency, locale, true)} – ${formatAmount(p.expectedGain.high, p.currency, locale, true)}`, locale)}` +
        (p.realised ? `  ${realisedText(p.realised, p.currency, locale)}` : ''),
    );
  out.push('', review.storesTotal > review.stores.length ? `${L('stores')}${paren(shown(review.stores.length, review.storesTotal), locale)}` : L('stores'));
  if (review.stores.length === 0) out.push(`  ${L('none')}`);
  else
    out.push(
      ...table(
        [L('rank'), L('store'), L('channel'), L('gmv'), L('orders'), L('aov'), L('refundRate'), L('violations'), L('diverted')],
        review.stores.map((s) => [
          String(s.rank),
          s.storeId,
          s.channelId,
          formatAmount(s.gmv, s.currency, locale),
          formatCount(s.orders, locale),
          formatAmount(s.aov, s.currency, locale),
          formatPct(s.refundRate, locale),
          String(s.violations),
          String(s.divertedOrders),
        ]),
      ),
    );
  return `${out.join('\n')}\n`;
}
