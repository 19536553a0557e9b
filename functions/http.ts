/**
 * What the HTTP functions share: JSON answers, the request body, who is calling, the routing of `routes.ts`, and the
 * one error middleware that turns typed errors into status codes.
 */
import httpRouterHandler from '@middy/http-router';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { ConfigUnavailableError } from '../shared/app/ports.ts';
import { matchesTemplate, type RouteKey, routeKey, type RouteSpec } from './routes.ts';

export type HttpResult = APIGatewayProxyStructuredResultV2;

/** A JSON answer of an HTTP API function (never cached: every answer is about now). */
export const json = (statusCode: number, body: unknown): HttpResult => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/** The request body as text, decoded when API Gateway delivered it base64-encoded; empty when there is none. */
export const rawBody = (event: APIGatewayProxyEventV2): string =>
  event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;

/**
 * A request refused with a reason the caller may read: thrown anywhere below a handler, answered by
 * {@link httpErrors} as `{error, message, ...extra}` with its status code.
 */
export class HttpProblem extends Error {
  constructor(
    readonly statusCode: number,
    readonly error: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/**
 * The error middleware: typed errors become answers (a {@link HttpProblem} its own, an unavailable configuration
 * 503); anything else stays an error (API Gateway answers 500, the logger and alarms see it).
 */
export function httpErrors(): MiddlewareObj<APIGatewayProxyEventV2, HttpResult> {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof HttpProblem) request.response = json(error.statusCode, { error: error.error, message: error.message, ...error.extra });
      else if (error instanceof ConfigUnavailableError) request.response = json(503, { error: 'config_unavailable', message: error.message });
    },
  };
}

export interface Caller {
  readonly principal: string;
  readonly roles: readonly string[];
}

const roleList = (value: unknown): string[] => {
  if (Array.isArray(value)) return value.map(String);
  // API Gateway renders a JWT array claim as "[a b]".
  if (typeof value === 'string')
    return value
      .replace(/^\[|\]$/g, '')
      .split(/[\s,]+/)
      .filter(Boolean);
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

/** The authenticated caller, or a 401. */
export function requireCaller(event: APIGatewayProxyEventV2): Caller {
  const caller = callerOf(event);
  if (!caller) throw new HttpProblem(401, 'unauthenticated', 'no authenticated caller');
  return caller;
}

/** A path parameter as the caller wrote it (percent-decoded). */
export function pathParameter(event: APIGatewayProxyEventV2, name: string): string {
  const value = event.pathParameters?.[name];
  if (value === undefined) throw new Error(`route has no path parameter ${name}`);
  try {
    return decodeURIComponent(value);
  } catch {
    throw new HttpProblem(400, 'invalid_path', `path parameter ${name} is not valid percent-encoding`);
  }
}

export type RouteHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>;

/**
 * A handler that routes by `routes` (API Gateway's templates, through `@middy/http-router`): every route must have
 * its handler (a missing one is a type error). A path that is a route under another method answers 405, any other
 * path 404.
 */
export function router<R extends readonly RouteSpec[]>(routes: R, handlers: { readonly [K in RouteKey<R[number]>]: RouteHandler }) {
  return httpRouterHandler({
    routes: routes.map((route) => ({ method: route.method, path: route.path, handler: handlers[routeKey(route) as RouteKey<R[number]>] })),
    notFoundResponse: ({ method, path }: { method: string; path: string }) => {
      const allowed = routes.filter((r) => matchesTemplate(r.path, path)).map((r) => r.method);
      if (allowed.length > 0) throw new HttpProblem(405, 'method_not_allowed', `${method} ${path}: use ${[...new Set(allowed)].join(' or ')}`);
      throw new HttpProblem(404, 'not_found', `no route ${method} ${path}`);
    },
  }) as unknown as RouteHandler;
}
