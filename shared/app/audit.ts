/**
 * The budget audit trail's lines, written by every budget store the same way: who did what to which proposal, and
 * for an approval the budgets' versions before and after.
 */
import type { Decision, ProposalRecord } from '../domain/budgets/proposal.ts';
import type { AuditEntry } from './ports.ts';

export const proposedAudit = (record: ProposalRecord): AuditEntry => ({
  atMs: record.createdAtMs,
  actor: 'system',
  action: 'proposed',
  proposalId: record.id,
  details: { budgetsVersion: record.budgetsVersion, moves: record.detail.moves, expectedGain: record.detail.expectedGain },
});

/** `changedBudgets`: the decision applied a new budget book (an approval). */
export const decidedAudit = (record: ProposalRecord, decision: Decision, changedBudgets: boolean): AuditEntry => ({
  atMs: decision.atMs,
  actor: decision.by,
  action: decision.outcome,
  proposalId: record.id,
  details: {
    ...(decision.reason ? { reason: decision.reason } : {}),
    ...(decision.supersededBy ? { supersededBy: decision.supersededBy } : {}),
    ...(changedBudgets ? { budgetsVersionBefore: record.budgetsVersion, budgetsVersionAfter: decision.budgetsVersion, budgets: record.detail.budgets } : {}),
  },
});
