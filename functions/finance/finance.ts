import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import type { Budgeting } from '../../shared/app/budgeting.ts';
import { PROPOSAL_STATUSES, type ProposalRecord } from '../../shared/domain/budgets/proposal.ts';
import { formatMoney } from '../../shared/kernel/money.ts';
import { type Caller, HttpProblem, httpErrors, json, pathParameter, rawBody, requireCaller, router } from '../http.ts';
import { FINANCE_ROUTES } from '../routes.ts';

export interface FinanceDeps {
  readonly budgeting: Budgeting;
  /** The role (JWT group, authoriser role or IAM role name) allowed to approve and reject. */
  readonly financeRole: string;
  /** Roles that may read proposals and budgets besides finance (ops). */
  readonly readerRoles: readonly string[];
  readonly clock: () => number;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** Largest request body accepted: a review is a reason, not a document. */
export const MAX_BODY_BYTES = 16 * 1024;

const ApproveBody = z.strictObject({ reason: z.string().trim().min(1).max(1000).optional() });
const RejectBody = z.strictObject({ reason: z.string().trim().min(1, 'a rejection needs a reason').max(1000) });
const StatusQuery = z.enum(PROPOSAL_STATUSES);

/**
 * A proposal as the API shows it: the published detail, its status, (once decided) the decision and (once reviewed
 * after its time in force) the outcome — `Budget Reallocation Reviewed`'s detail.
 */
export function proposalView(record: ProposalRecord) {
  const d = record.decision;
  return {
    ...record.detail,
    status: record.status,
    outcome: record.outcome ?? null,
    decision: d
      ? {
          outcome: d.outcome,
          at: new Date(d.atMs).toISOString(),
          by: d.by,
          ...(d.reason ? { reason: d.reason } : {}),
          ...(d.supersededBy ? { supersededBy: d.supersededBy } : {}),
          ...(d.budgetsVersion ? { budgetsVersion: d.budgetsVersion } : {}),
        }
      : null,
  };
}

/** The review body, validated at this boundary: size (413), JSON (400), shape (400). */
function reviewBody<S extends z.ZodType>(event: APIGatewayProxyEventV2, schema: S): z.infer<S> {
  const raw = rawBody(event);
  if (Buffer.byteLength(raw) > MAX_BODY_BYTES) throw new HttpProblem(413, 'payload_too_large', `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
  let document: unknown = {};
  if (raw.trim() !== '') {
    try {
      document = JSON.parse(raw);
    } catch {
      throw new HttpProblem(400, 'invalid_json', 'the body is not valid JSON');
    }
  }
  const parsed = schema.safeParse(document);
  if (!parsed.success) throw new HttpProblem(400, 'invalid_body', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return parsed.data;
}

/**
 * The finance review API (HTTP API, payload 2.0; routes in `functions/routes.ts`): budgets, proposals by status,
 * one proposal, approve, reject, the audit trail. Bodies are validated at this boundary; reads need the finance or
 * a reader role, decisions the finance role — checked here whatever the authoriser in front of it does.
 */
export function makeHandler(deps: FinanceDeps) {
  const isFinance = (caller: Caller) => caller.roles.includes(deps.financeRole);
  const reader = (event: APIGatewayProxyEventV2) => {
    const caller = requireCaller(event);
    if (!isFinance(caller) && !caller.roles.some((r) => deps.readerRoles.includes(r)))
      throw new HttpProblem(403, 'forbidden', `reading needs the ${[deps.financeRole, ...deps.readerRoles].join(' or ')} role`);
    return caller;
  };

  const decide = (action: 'approve' | 'reject') => async (event: APIGatewayProxyEventV2) => {
    const caller = requireCaller(event);
    if (!isFinance(caller))
      throw new HttpProblem(
        403,
        'forbidden',
        `only the ${deps.financeRole} role may ${action} proposals; ${caller.principal} has ${caller.roles.join(', ') || 'no role'}`,
      );
    const { reason } = reviewBody(event, action === 'approve' ? ApproveBody : RejectBody);
    const id = pathParameter(event, 'proposalId');
    const atMs = deps.clock();
    const result =
      action === 'approve'
        ? await deps.budgeting.approve(id, caller.principal, reason, atMs)
        : await deps.budgeting.reject(id, caller.principal, reason as string, atMs);
    if (result.kind === 'not_found') throw new HttpProblem(404, 'not_found', result.message);
    if (result.kind === 'conflict') {
      deps.metrics.addMetric('ReviewConflicts', MetricUnit.Count, 1);
      deps.logger.info('review refused', { proposalId: id, action, reason: result.reason, reviewer: caller.principal });
      throw new HttpProblem(409, result.reason, result.message, { proposal: proposalView(result.proposal) });
    }
    if (result.kind === 'decided') {
      deps.logger.info('proposal decided', { proposalId: id, outcome: result.proposal.status, reviewer: caller.principal });
      const report = await deps.budgeting.publish();
      if (report.left > 0 || report.invalid.length > 0) deps.logger.warn('budget events left in the outbox', { left: report.left, invalid: report.invalid });
    }
    return json(200, { ...proposalView(result.proposal), repeated: result.kind === 'repeated' });
  };

  const routes = router(FINANCE_ROUTES, {
    'GET /budgets': async (event) => {
      reader(event);
      const { budgets, config } = await deps.budgeting.budgets();
      return json(200, {
        version: budgets.version,
        channels: config.channels.map((c) => ({
          channelId: c.id,
          currency: c.currency,
          daily: formatMoney(budgets.daily.get(c.id) ?? c.budget.daily, c.currency),
          configured: formatMoney(c.budget.daily, c.currency),
          source: budgets.source.get(c.id) ?? 'config',
        })),
      });
    },
    'GET /proposals': async (event) => {
      reader(event);
      const status = event.queryStringParameters?.status;
      const parsed = status === undefined ? undefined : StatusQuery.safeParse(status);
      if (parsed && !parsed.success) throw new HttpProblem(400, 'invalid_status', `status must be one of ${PROPOSAL_STATUSES.join(', ')}`);
      return json(200, { proposals: (await deps.budgeting.list(parsed?.data)).map(proposalView) });
    },
    'GET /proposals/{proposalId}': async (event) => {
      reader(event);
      const id = pathParameter(event, 'proposalId');
      const record = await deps.budgeting.get(id);
      if (!record) throw new HttpProblem(404, 'not_found', `no proposal ${id}`);
      return json(200, proposalView(record));
    },
    'POST /proposals/{proposalId}/approve': decide('approve'),
    'POST /proposals/{proposalId}/reject': decide('reject'),
    'GET /audit': async (event) => {
      if (!isFinance(reader(event))) throw new HttpProblem(403, 'forbidden', `the audit trail is for the ${deps.financeRole} role`);
      return json(200, { entries: (await deps.budgeting.audit()).map((e) => ({ ...e, at: new Date(e.atMs).toISOString() })) });
    },
  });
  return middy(routes)
    .before(({ event }) => void requireCaller(event))
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics))
    .use(httpErrors());
}
