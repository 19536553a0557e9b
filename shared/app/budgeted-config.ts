import { type BudgetBook, effectiveBudgets, withBudgets } from '../domain/budgets/book.ts';
import { type SentinelConfig, type StoredSilence, withSilences } from '../domain/config.ts';
import type { BudgetStore, ConfigSource, SilenceStore } from './ports.ts';

/**
 * The configuration in force: the document with the budgets in force (what pacing judges against) and the silences
 * created through the API (what mutes notifications) overlaid. Both are cached for `maxAgeMs` like the
 * configuration, so an approval or a new silence reaches a warm function within that time.
 */
export function budgetedConfigSource(
  source: ConfigSource,
  budgets: Pick<BudgetStore, 'book'>,
  maxAgeMs = 60_000,
  now: () => number = Date.now,
  silences?: Pick<SilenceStore, 'list'>,
): ConfigSource & { invalidate(): void } {
  let cached: { book: BudgetBook | undefined; silences: readonly StoredSilence[]; at: number } | undefined;
  // The overlaid configuration is kept while no input changes: downstream caches key on its identity.
  let last: { config: SentinelConfig; book: BudgetBook | undefined; silences: string; result: SentinelConfig } | undefined;
  const sameBook = (a: BudgetBook | undefined, b: BudgetBook | undefined) =>
    a === b || (a !== undefined && b !== undefined && a.counter === b.counter && a.basis === b.basis);
  return {
    async current() {
      const config = await source.current();
      if (!cached || now() - cached.at >= maxAgeMs) {
        const [book, stored] = await Promise.all([budgets.book(), silences ? silences.list() : Promise.resolve([])]);
        cached = { book, silences: stored, at: now() };
      }
      const silenceKey = cached.silences.map((s) => `${s.id}@${s.toMs}`).join(',');
      if (!last || last.config !== config || !sameBook(last.book, cached.book) || last.silences !== silenceKey)
        last = {
          config,
          book: cached.book,
          silences: silenceKey,
          result: withSilences(withBudgets(config, effectiveBudgets(config, cached.book)), cached.silences),
        };
      return last.result;
    },
    /** Forgets the cached book: the next read sees an approval made in this process at once. */
    invalidate() {
      cached = undefined;
    },
  };
}
