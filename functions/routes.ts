/**
 * The HTTP routes, as data: the handlers route by these (through `@middy/http-router`), the stack creates exactly
 * these API Gateway routes, and the local server forwards exactly these. A route added here without a handler is a
 * compile error in the handler; one the stack does not deploy cannot exist.
 */
export type HttpMethod = 'GET' | 'POST';

export interface RouteSpec {
  readonly method: HttpMethod;
  /** API Gateway's path template: `{name}` for one segment, `{proxy+}` for the rest of the path. */
  readonly path: string;
}

/** `"GET /proposals/{proposalId}"`: how a handler names the route it implements. */
export type RouteKey<R extends RouteSpec> = R extends RouteSpec ? `${R['method']} ${R['path']}` : never;

export const routeKey = <R extends RouteSpec>(route: R): RouteKey<R> => `${route.method} ${route.path}` as RouteKey<R>;

/** Producers' signed webhooks; the signature is the authentication. */
export const WEBHOOK_ROUTES = [{ method: 'POST', path: '/events' }] as const satisfies readonly RouteSpec[];

/** The platforms that push to us with their own signature schemes (`POST /connect/{platform}`). */
export const PUSH_PLATFORMS = ['shopify', 'douyin'] as const;
export type PushPlatform = (typeof PUSH_PLATFORMS)[number];

/** Platforms' own pushes, each verified by the platform's own signature scheme. */
export const PLATFORM_ROUTES = [
  { method: 'POST', path: '/connect/shopify' },
  { method: 'POST', path: '/connect/douyin' },
] as const satisfies readonly RouteSpec[];

/** The finance review (SPEC §5), behind the authoriser. */
export const FINANCE_ROUTES = [
  { method: 'GET', path: '/budgets' },
  { method: 'GET', path: '/proposals' },
  { method: 'GET', path: '/proposals/{proposalId}' },
  { method: 'POST', path: '/proposals/{proposalId}/approve' },
  { method: 'POST', path: '/proposals/{proposalId}/reject' },
  { method: 'GET', path: '/audit' },
] as const satisfies readonly RouteSpec[];

/** The console's API (the web console's data, acknowledging alerts, silences), behind the same authoriser. */
export const CONSOLE_ROUTES = [
  { method: 'GET', path: '/me' },
  { method: 'GET', path: '/overview' },
  { method: 'GET', path: '/alerts' },
  { method: 'GET', path: '/alerts/{alertId}' },
  { method: 'POST', path: '/alerts/{alertId}/acknowledge' },
  { method: 'GET', path: '/silences' },
  { method: 'POST', path: '/silences' },
  { method: 'POST', path: '/silences/{silenceId}/expire' },
  { method: 'GET', path: '/data-quality' },
  { method: 'GET', path: '/reviews' },
  { method: 'GET', path: '/reviews/{reviewId}' },
] as const satisfies readonly RouteSpec[];

/** The console's static files: public, they hold no data. */
export const CONSOLE_STATIC_ROUTES = [
  { method: 'GET', path: '/console' },
  { method: 'GET', path: '/console/{proxy+}' },
] as const satisfies readonly RouteSpec[];

/** Whether `path` is an instance of the template (`{x}` one segment, `{proxy+}` the rest). */
export function matchesTemplate(template: string, path: string): boolean {
  const pattern = template
    .split('/')
    .map((segment) => (segment === '{proxy+}' ? '.*' : /^\{[^}]+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${pattern}/?$`).test(path);
}
