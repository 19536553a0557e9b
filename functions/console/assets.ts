import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { ConsoleAsset } from './static-files.ts';

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/**
 * The console's files from a directory (the bundle's `console/`, copied there at bundling). `index.html` names the
 * API's base: `..` when served at `/console/` behind the stack's API (the local server serves it with `api`).
 */
export function directoryAssets(dir: string, apiBase: string): (file: string) => ConsoleAsset | undefined {
  return (file) => {
    const path = join(dir, file);
    const contentType = TYPES[extname(file)];
    if (!contentType || !existsSync(path)) return undefined;
    const body = readFileSync(path, 'utf8');
    return {
      contentType,
      body: file === 'index.html' ? body.replace('<meta name="sentinel-api" content="api">', `<meta name="sentinel-api" content="${apiBase}">`) : body,
    };
  };
}
