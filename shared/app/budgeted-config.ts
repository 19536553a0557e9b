import { type BudgetBook, effectiveBudgets, withBudgets } from '../domain/budgets/book.ts';
import type { SentinelConfig } from '../domain/config.ts';
import type { BudgetStore, ConfigSource } from './ports.ts';

/**
 * The configuration with the budgets in force overlaid (what pacing judges against). The book is cached for
 * `maxAgeMs` like the configuration, so an approval reaches a warm function within that time.
 */
export function budgetedConfigSource(
  source: ConfigSource,
  budgets: Pick<BudgetStore, 'book'>,
  maxAgeMs = 60_000,
  now: () => number = Date.now,
): ConfigSource & { invalidate(): void } {
  let cached: { book: BudgetBook | undefined; at: number } | undefined;
  // The overlaid configuration is kept while neither input changes: downstream caches key on its identity.
  let last: { config: SentinelConfig; book: BudgetBook | undefined; result: SentinelConfig } | undefined;
  const sameBook = (a: BudgetBook | undefined, b: BudgetBook | undefined) =>
    a === b || (a !== undefined && b !== undefined && a.counter === b.counter && a.basis === b.basis);
  return {
    async current() {
      const config = await source.current();
      if (!cached || now() - cached.at >= maxAgeMs) cached = { book: await budgets.book(), at: now() };
      if (!last || last.config !== config || !sameBook(last.book, cached.book))
        last = { config, book: cached.book, result: withBudgets(config, effectiveBudgets(config, cached.book)) };
      return last.result;
    },
    /** Forgets the cached book: the next read sees an approval made in this process at once. */
    invalidate() {
      cached = undefined;
    },
  };
}
