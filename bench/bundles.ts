/**
 * Function bundles as the stack deploys them: `cdk synth` into a scratch directory (the same esbuild options the
 * stack uses), then each bundle's size and its cold init time — a fresh Node process importing the bundle with the
 * function's environment set, the module-scope work a Lambda cold start pays (the AWS SDK is external there as here).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTION_CATALOG } from '../functions/catalog.ts';

export interface BundleFigure {
  readonly fn: string;
  readonly bytes: number;
  /** Median over `runs` fresh processes, milliseconds. */
  readonly initMs: number;
}

/**
 * Every variable some function's catalog entry requires, with a placeholder value (cold init parses them; nothing
 * is called): taken from `functions/catalog.ts`, so a function that gains a variable is measured, not crashed.
 */
const ENV: Record<string, string> = {
  AWS_REGION: 'cn-north-1',
  ...Object.fromEntries(
    Object.values(FUNCTION_CATALOG).flatMap((entry) =>
      Object.entries(entry.env.shape)
        .filter(([, schema]) => !(schema as { safeParse(v: unknown): { success: boolean } }).safeParse(undefined).success)
        .map(([key]) => [key, key.endsWith('_ARN') ? `arn:aws-cn:sns:cn-north-1:000000000000:${key.toLowerCase()}` : `placeholder-${key.toLowerCase()}`]),
    ),
  ),
};

function initMs(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`;
  return Number(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, ...ENV },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  );
}

export function measureBundles(runs = 5): BundleFigure[] {
  // Inside the project, so the bundles resolve the AWS SDK from node_modules as Lambda's runtime provides it.
  const out = mkdtempSync(join(process.cwd(), 'cdk.out.bench-'));
  try {
    execFileSync('npx', ['cdk', 'synth', '--quiet', '-o', out], { env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' }, stdio: 'ignore' });
    const figures: BundleFigure[] = [];
    for (const dir of readdirSync(out).filter((d) => d.startsWith('asset.'))) {
      const file = join(out, dir, 'index.mjs');
      let map: string;
      try {
        map = readFileSync(`${file}.map`, 'utf8');
      } catch {
        continue;
      }
      const fn = /functions\/([a-z]+)\/index\.ts/.exec(map)?.[1];
      if (!fn) continue;
      const times = Array.from({ length: runs }, () => initMs(file)).sort((a, b) => a - b);
      figures.push({ fn, bytes: statSync(file).size, initMs: times[Math.floor(runs / 2)] as number });
    }
    return figures.sort((a, b) => a.fn.localeCompare(b.fn));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
