import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { PROPOSAL_STATUSES, type ProposalRecord } from '../../shared/domain/budgets/proposal.ts';
import { formatMoney } from '../../shared/domain/money.ts';
import type { Budgeting, Caller } from '../../shared/app/budgeting.ts';
import { json, rawBody } from '../http.ts';

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

const roleList = (value: unknown): string[] => {
  if (Array.isArray(value)) return value.map(String);
  // API Gateway renders a JWT array claim as "[a b]".
  if (typeof value === 'string') return value.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean);
  return [];
};

/**
 * Who is calling, from what the API's authoriser established: JWT claims (groups in `cognito:groups`, `groups` or
 * `roles`), a Lambda authoriser's context (`principal`, `roles` — what the local server sets), or SigV4 (the IAM
 * role name counts as the role). `undefined` when nothing authenticated the caller.
 */
export function callerOf(event: APIGatewayProxyEventV2): Caller | undefined {
  const authorizer = (event.requestContext as { authorizer?: Record<string, Record<string, unknown> | undefined> }).authorizer;
  const claims = authorizer?.jwt?.claims as Record<string, unknown> | undefined;
  if (claims) {
    const principal = String(claims.email ?? claims['cognito:username'] ?? claims.sub ?? '');
    if (principal) return { principal, roles: [...roleList(claims['cognito:groups']), ...roleList(claims.groups), ...roleList(claims.roles)] };
  }
  const lambda = authorizer?.lambda;
  if (lambda && typeof lambda.principal === 'string' && lambda.principal) return { principal: lambda.principal, roles: roleList(lambda.roles) };
  const iam = authorizer?.iam;
  if (iam && typeof iam.userArn === 'string') {
    const role = /:assumed-role\/([^/]+)\//.exec(iam.userArn)?.[1];
    return { principal: iam.userArn, roles: role ? [role] : [] };
  }
  return undefined;
}

const problem = (statusCode: number, error: string, message: string, extra: Record<string, unknown> = {}) => json(statusCode, { error, message, ...extra });

/** A proposal as the API shows it: the published detail, its status and (once decided) the decision. */
export function proposalView(record: ProposalRecord) {
  const d = record.decision;
  return {
    ...record.detail,
    status: record.status,
    decision: d ? { outcome: d.outcome, at: new Date(d.atMs).toISOString(), by: d.by, ...(d.reason ? { reason: d.reason } : {}), ...(d.supersededBy ? { supersededBy: d.supersededBy } : {}), ...(d.budgetsVersion ? { budgetsVersion: d.budgetsVersion } : {}) } : null,
  };
}

/**
 * The finance review API (HTTP API, payload 2.0): budgets, proposals by status, one proposal, approve, reject, the
 * audit trail. Bodies are validated at this boundary; reads need the finance or a reader role, decisions the
 * finance role — checked here whatever the authoriser in front of it does.
 */
export function makeHandler(deps: FinanceDeps) {
  const route = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const method = event.requestContext.http.method.toUpperCase();
    const path = (event.rawPath || '/').replace(/\/+$/, '') || '/';
    const caller = callerOf(event);
    if (!caller) return problem(401, 'unauthenticated', 'no authenticated caller');
    const isFinance = caller.roles.includes(deps.financeRole);
    const canRead = isFinance || caller.roles.some((r) => deps.readerRoles.includes(r));

    const decide = /^\/proposals\/([^/]+)\/(approve|reject)$/.exec(path);
    if (decide) {
      if (method !== 'POST') return problem(405, 'method_not_allowed', `${method} ${path}: use POST`);
      if (!isFinance) return problem(403, 'forbidden', `only the ${deps.financeRole} role may ${decide[2]} proposals; ${caller.principal} has ${caller.roles.join(', ') || 'no role'}`);
      const raw = rawBody(event);
      if (Buffer.byteLength(raw) > MAX_BODY_BYTES) return problem(413, 'payload_too_large', `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
      let document: unknown = {};
      if (raw.trim() !== '') {
        try {
          document = JSON.parse(raw);
        } catch {
          return problem(400, 'invalid_json', 'the body is not valid JSON');
        }
      }
      const parsed = (decide[2] === 'approve' ? ApproveBody : RejectBody).safeParse(document);
      if (!parsed.success) return problem(400, 'invalid_body', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
      const id = decodeURIComponent(decide[1] as string);
      const atMs = deps.clock();
      const result = decide[2] === 'approve' ? await deps.budgeting.approve(id, caller, parsed.data.reason, atMs) : await deps.budgeting.reject(id, caller, parsed.data.reason as string, atMs);
      if (result.status === 404) return problem(404, 'not_found', result.message);
      if (result.status === 409) {
        deps.metrics.addMetric('ReviewConflicts', MetricUnit.Count, 1);
        deps.logger.info('review refused', { proposalId: id, action: decide[2], reason: result.reason, reviewer: caller.principal });
        return problem(409, result.reason, result.message, { proposal: proposalView(result.proposal) });
      }
      if (!result.repeated) {
        deps.logger.info('proposal decided', { proposalId: id, outcome: result.proposal.status, reviewer: caller.principal });
        const report = await deps.budgeting.publish();
        if (report.left > 0 || report.invalid.length > 0) deps.logger.warn('budget events left in the outbox', { left: report.left, invalid: report.invalid });
      }
      return json(200, { ...proposalView(result.proposal), repeated: result.repeated });
    }

    if (method !== 'GET') return problem(405, 'method_not_allowed', `${method} ${path} is not a route`);
    if (!canRead) return problem(403, 'forbidden', `reading needs the ${[deps.financeRole, ...deps.readerRoles].join(' or ')} role`);
    if (path === '/budgets') {
      const { budgets, config } = await deps.budgeting.budgets();
      return json(200, {
        version: budgets.version,
        channels: config.channels.map((c) => ({ channelId: c.id, currency: c.currency, daily: formatMoney(budgets.daily.get(c.id) ?? c.budget.daily, c.currency), configured: formatMoney(c.budget.daily, c.currency), source: budgets.source.get(c.id) ?? 'config' })),
      });
    }
    if (path === '/proposals') {
      const status = event.queryStringParameters?.status;
      const parsed = status === undefined ? undefined : StatusQuery.safeParse(status);
      if (parsed && !parsed.success) return problem(400, 'invalid_status', `status must be one of ${PROPOSAL_STATUSES.join(', ')}`);
      return json(200, { proposals: (await deps.budgeting.list(parsed?.data)).map(proposalView) });
    }
    const one = /^\/proposals\/([^/]+)$/.exec(path);
    if (one) {
      const record = await deps.budgeting.get(decodeURIComponent(one[1] as string));
      return record ? json(200, proposalView(record)) : problem(404, 'not_found', `no proposal ${one[1]}`);
    }
    if (path === '/audit') {
      if (!isFinance) return problem(403, 'forbidden', `the audit trail is for the ${deps.financeRole} role`);
      return json(200, { entries: (await deps.budgeting.audit()).map((e) => ({ ...e, at: new Date(e.atMs).toISOString() })) });
    }
    return problem(404, 'not_found', `no route ${method} ${path}`);
  };
  return middy(async (event: APIGatewayProxyEventV2, _context: Context) => route(event))
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics));
}
