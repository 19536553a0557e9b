/**
 * The budget book: which daily budgets are in force, and their version. The configuration is the plan; approved
 * proposals are changes made on top of the plan they were computed against. The book records that plan's hash
 * (`basis`): when an operator edits the configuration's budgets, the new plan wins and the book's changes lapse —
 * and because the version carries the basis, every proposal computed before the edit stops matching.
 */
import type { SentinelConfig } from '../config.ts';
import { fnv1a64 } from '../hash.ts';

export interface BudgetBook {
  /** Number of approvals applied so far (only grows). */
  readonly counter: number;
  /** {@link budgetsHashOf} the configuration the changes were made on. */
  readonly basis: string;
  /** Daily budgets in force after the last approval, minor units, by channel. */
  readonly daily: Readonly<Record<string, bigint>>;
  readonly updatedAtMs: number;
  readonly updatedBy: string;
  readonly proposalId: string;
}

export interface EffectiveBudgets {
  /** `v{counter}-{basis}`: changes whenever an approval applies or the configured budgets are edited. */
  readonly version: string;
  readonly counter: number;
  readonly basis: string;
  readonly daily: ReadonlyMap<string, bigint>;
  /** Where each channel's figure comes from. */
  readonly source: ReadonlyMap<string, 'config' | 'approved'>;
}

/** Hash of the configured budgets (channel, daily, monthly), independent of channel order. */
export function budgetsHashOf(config: SentinelConfig): string {
  const lines = config.channels.map((c) => `${c.id}:${c.currency}:${c.budget.daily}:${c.budget.monthly ?? ''}`).sort();
  return fnv1a64(lines.join('\n'));
}

export const versionOf = (counter: number, basis: string) => `v${counter}-${basis}`;

/**
 * The daily budgets in force: the configuration's, overlaid by the book's when the book was written on this very
 * configuration. Invariant: the version differs whenever any figure in force could differ.
 */
export function effectiveBudgets(config: SentinelConfig, book: BudgetBook | undefined): EffectiveBudgets {
  const basis = budgetsHashOf(config);
  const applies = book !== undefined && book.basis === basis;
  const daily = new Map<string, bigint>();
  const source = new Map<string, 'config' | 'approved'>();
  for (const channel of config.channels) {
    const approved = applies ? book.daily[channel.id] : undefined;
    daily.set(channel.id, approved ?? channel.budget.daily);
    source.set(channel.id, approved === undefined ? 'config' : 'approved');
  }
  const counter = book?.counter ?? 0;
  return { version: versionOf(counter, basis), counter, basis, daily, source };
}

/** The configuration with the budgets in force: what pacing (budget_overrun) judges against. */
export function withBudgets(config: SentinelConfig, budgets: EffectiveBudgets): SentinelConfig {
  return {
    ...config,
    channels: config.channels.map((c) => {
      const daily = budgets.daily.get(c.id) ?? c.budget.daily;
      return daily === c.budget.daily ? c : { ...c, budget: { ...c.budget, daily } };
    }),
  };
}
