/**
 * Reviewing, the use case: after a business day closes, the reviews of every period it closes (the day; the week on a
 * Sunday; the month on its last day) are built from the stored aggregates, alerts and proposals, kept, and published
 * through the outbox — once per period. Events may still arrive for a closed day (late feeds, within the lateness
 * window) and ad reports restate it (within the restatement window): each run re-checks the reviews whose days are
 * still open to that, and publishes a revision of those whose figures changed. `sentinel report` asks the same for any
 * period, to date.
 */
import type { ReviewPublishedDetail } from '../../events/outbound.ts';
import { addDays, bucketOf } from '../kernel/time.ts';
import { compareText } from '../kernel/compare.ts';
import { rollUpDays, type Totals } from '../domain/aggregation.ts';
import type { SentinelConfig } from '../domain/config.ts';
import { buildReview, periodsClosedBy, type PeriodSpan, previousSpan, REVIEW_PERIODS, reviewIdOf, sameFigures, spanOf } from '../domain/reviews/review.ts';
import type { ProposalRecord } from '../domain/budgets/proposal.ts';
import type { AggregateReader, AlertStore, BudgetStore, EventPublisher, Outbox, OutboxEntry, ReviewListing, ReviewStore } from './ports.ts';
import { REVIEWS_OUTBOX } from './ports.ts';
import { type PublishReport, publishOutbox } from './publishing.ts';

export interface ReviewingDeps {
  readonly aggregates: AggregateReader;
  readonly alerts: Pick<AlertStore, 'list'>;
  readonly budgets: Pick<BudgetStore, 'list'>;
  readonly reviews: ReviewStore;
  readonly outbox: Outbox;
  readonly publisher: EventPublisher;
}

const PERIOD_ORDER = { month: 0, week: 1, day: 2 } as const;

/** Newest period first; at one end day, the month before the week before the day. */
export function sortListings(listings: ReviewListing[]): ReviewListing[] {
  return listings.sort((a, b) => compareText(b.to, a.to) || PERIOD_ORDER[a.period] - PERIOD_ORDER[b.period]);
}

export interface CloseReport {
  readonly closedDay: string;
  /** Reviews stored and queued for publishing in this run: new ones (revision 0) and revisions. */
  readonly published: ReviewPublishedDetail[];
}

/** The outbox entry announcing one revision of a review (consumers drop repeats by reviewId + revision). */
function announce(review: ReviewPublishedDetail, atMs: number): OutboxEntry {
  return {
    channelId: REVIEWS_OUTBOX,
    id: `${review.reviewId}#${review.revision}:Review Published`,
    seq: `${review.to}#${REVIEW_PERIODS.indexOf(review.period)}#${review.reviewId}#${String(review.revision).padStart(4, '0')}`,
    detailType: 'Review Published',
    detail: review as unknown as Record<string, unknown>,
    timeMs: atMs,
  };
}

export function makeReviewing(deps: ReviewingDeps) {
  /** Everything the reviews of days `[from, to]` read, in one pass: per channel one Query for hours, one for stores. */
  async function snapshot(config: SentinelConfig, from: string, to: string, proposals: readonly ProposalRecord[]) {
    const days = new Map<string, Map<string, Totals>>();
    const stores = new Map<string, Map<string, Map<string, Totals>>>();
    const [alertLists] = await Promise.all([
      Promise.all(config.channels.map((c) => deps.alerts.list(c.id))),
      Promise.all(
        config.channels.map(async (c) => {
          days.set(c.id, rollUpDays(await deps.aggregates.hours(c.id, { fromHour: `${from}T00`, toHour: `${to}T23` })));
          stores.set(c.id, await deps.aggregates.storeDays(c.id, from, to));
        }),
      ),
    ]);
    return { days, stores, alerts: alertLists.flatMap((l) => l.alerts.map((a) => a.state)), proposals };
  }

  /**
   * The proposals the reviews of `spans` may show, and the first day they read: their previous periods', and the
   * basis of a proposal approved inside them (what it realised is judged against its basis days). Older proposals
   * are never read back: a nightly run reads weeks, not the whole history.
   */
  async function proposalsFor(config: SentinelConfig, spans: readonly PeriodSpan[]) {
    const first = spans.reduce((min, s) => (previousSpan(s).from < min ? previousSpan(s).from : min), '9999-12-31');
    const earliest = spans.reduce((min, s) => (s.from < min ? s.from : min), '9999-12-31');
    const dayOf = (ms: number) => bucketOf(ms, config.timezone).day;
    const proposals = (await deps.budgets.list()).filter((p) => dayOf(p.createdAtMs) >= earliest || (p.decision && dayOf(p.decision.atMs) >= earliest));
    const basisFrom = proposals.filter((p) => p.status === 'approved').reduce((min, p) => (p.detail.basis.from < min ? p.detail.basis.from : min), first);
    return { proposals, from: basisFrom };
  }

  /**
   * The incidents earlier day reviews recorded inside `span`: the alert store keeps one state per fingerprint, so a
   * week's review would otherwise miss an alert that fired and resolved before the same fingerprint fired again.
   */
  async function earlierIncidents(span: PeriodSpan, listings: readonly ReviewListing[], made: ReadonlyMap<string, ReviewPublishedDetail>) {
    if (span.period === 'day') return [];
    const ids = new Set(listings.filter((l) => l.period === 'day' && l.from >= span.from && l.to <= span.to).map((l) => l.reviewId));
    for (const r of made.values()) if (r.period === 'day' && r.from >= span.from && r.to <= span.to) ids.add(r.reviewId);
    const reviews = await Promise.all([...ids].sort().map(async (id) => made.get(id) ?? (await deps.reviews.get(id))));
    return reviews.flatMap((r) => r?.incidents ?? []);
  }

  /**
   * Stores and announces the reviews of the periods `closedDay` closes (unless stored before: a retried run), then
   * re-checks every stored review whose days late events or restated reports may still change, and stores a revision
   * of each whose figures did change (a review to date also when another of its days closed).
   */
  async function run(config: SentinelConfig, atMs: number, closedDay: string, mode: 'close' | 'settle'): Promise<CloseReport> {
    const listings = await deps.reviews.list();
    const stored = new Set(listings.map((l) => l.reviewId));
    // Closing: the periods the day closes. Settling (the end of a replay): the week and month still open, to date.
    const candidates = mode === 'close' ? periodsClosedBy(closedDay) : [spanOf('week', closedDay), spanOf('month', closedDay)].filter((s) => s.to > closedDay);
    const fresh = candidates.filter((s) => !stored.has(reviewIdOf(s)));
    const openSince = addDays(closedDay, -Math.max(config.latenessDays, config.reportRestatementDays));
    const revisable = listings.filter((l) => l.to >= openSince && l.to <= closedDay);
    const spans = [...fresh, ...revisable.map((l) => ({ period: l.period, from: l.from, to: spanOf(l.period, l.from).to }))];
    if (spans.length === 0) return { closedDay, published: [] };
    const { proposals, from } = await proposalsFor(config, spans);
    const data = await snapshot(config, from, closedDay, proposals);
    const made = new Map<string, ReviewPublishedDetail>();
    const published: ReviewPublishedDetail[] = [];
    const save = async (review: ReviewPublishedDetail, expected: number | undefined) => {
      if ((await deps.reviews.save(review, expected, [announce(review, atMs)])) === 'saved') published.push(review);
    };
    // Day before week before month: a week's review reads the day reviews of its days, the closed day's included.
    for (const span of fresh) {
      const through = span.to < closedDay ? span.to : closedDay;
      const review = buildReview({ span, through, atMs, config, ...data, earlierIncidents: await earlierIncidents(span, listings, made) });
      made.set(review.reviewId, review);
      await save(review, undefined);
    }
    for (const listing of revisable) {
      const before = await deps.reviews.get(listing.reviewId);
      if (!before) continue;
      const span = { period: before.period, from: before.from, to: spanOf(before.period, before.from).to };
      // A review to date grows with each closed day, and is complete once its period closed.
      const review = buildReview({
        span,
        through: span.to < closedDay ? span.to : closedDay,
        atMs,
        config,
        ...data,
        revision: before.revision + 1,
        earlierIncidents: [...before.incidents, ...(await earlierIncidents(span, listings, made))],
      });
      if (!sameFigures(before, review)) await save(review, before.revision);
    }
    return { closedDay, published };
  }

  return {
    /**
     * The scheduled job: the business day before the one `atMs` falls in has closed. New reviews for the periods it
     * closes, revisions for reviews whose figures changed since.
     */
    closeDay: (config: SentinelConfig, atMs: number) => run(config, atMs, addDays(bucketOf(atMs, config.timezone).day, -1), 'close'),

    /**
     * The end of a replay at `atMs`: what arrived late after the last business day closed is counted in revisions of
     * the reviews it changed (as the deployed job's next run would), and the week and month still open are reviewed to
     * date — through the last closed day — so a history shorter than a month still ends with its monthly review.
     */
    settle: (config: SentinelConfig, atMs: number) => run(config, atMs, addDays(bucketOf(atMs, config.timezone).day, -1), 'settle'),

    /**
     * The review of the `period` containing `day`: the stored one (its latest revision) once its period closed, else
     * built now, to date — a review kept to date (the end of a replay) is behind as soon as another day closed.
     */
    async report(config: SentinelConfig, period: PeriodSpan['period'], day: string, atMs: number): Promise<ReviewPublishedDetail> {
      const span = spanOf(period, day);
      const kept = await deps.reviews.get(reviewIdOf(span));
      if (kept?.complete) return kept;
      const today = bucketOf(atMs, config.timezone).day;
      // Up to the last closed day: today's figures are still arriving.
      const through = span.to < today ? span.to : addDays(today, -1);
      if (through < span.from) throw new RangeError(`the ${period} of ${day} has no closed business day yet (today is ${today} in ${config.timezone})`);
      const { proposals, from } = await proposalsFor(config, [span]);
      const data = await snapshot(config, from, through, proposals);
      const listings = await deps.reviews.list();
      return buildReview({ span, through, atMs, config, ...data, earlierIncidents: await earlierIncidents(span, listings, new Map()) });
    },

    list: () => deps.reviews.list(),
    get: (reviewId: string) => deps.reviews.get(reviewId),

    /** Publishes whatever the reviews outbox holds. */
    publish: (): Promise<PublishReport> => publishOutbox(deps.outbox, deps.publisher, [REVIEWS_OUTBOX]),
  };
}

export type Reviewing = ReturnType<typeof makeReviewing>;
