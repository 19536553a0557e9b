import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { json, type HttpResult } from '../http.ts';

/** A static file of the web console. */
export interface ConsoleAsset {
  readonly body: string;
  readonly contentType: string;
}

/**
 * Serves the console's files below `/console/` (public: they hold no data). `/console` redirects to `/console/`;
 * a file name outside the console's own alphabet, or one climbing out with `..`, is not found.
 */
export function staticFiles(assets: (file: string) => ConsoleAsset | undefined) {
  return async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    const rest = /^\/console(\/.*)?$/.exec(event.rawPath || '/')?.[1];
    if (!rest) return { statusCode: 308, headers: { location: '/console/' }, body: '' };
    const file = rest === '/' ? 'index.html' : rest.slice(1);
    const asset = /^[\w./-]+$/.test(file) && !file.includes('..') ? assets(file) : undefined;
    if (!asset) return json(404, { error: 'not_found', message: `no console file ${file}` });
    return { statusCode: 200, headers: { 'content-type': asset.contentType, 'cache-control': 'no-cache' }, body: asset.body };
  };
}
