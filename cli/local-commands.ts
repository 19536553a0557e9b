/**
 * `sentinel start` (npm start) and `sentinel push`: the long-running local mode and a producer for it.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseChatTarget } from '../shared/adapters/chat.ts';
import { HEADERS, MAX_EVENTS_PER_REQUEST } from '../events/webhook.ts';
import { generateDemo } from '../local/demo-scenario.ts';
import { assertDataDirFree, type ClockMode, CREDENTIALS_FILE, type IntakeTotals, type LocalCredentials, LocalServer } from '../local/server.ts';
import { signatureOf } from '../shared/security/signature.ts';
import { DEFAULT_DATA_DIR } from './finance-commands.ts';
import { progressPrinter } from './progress.ts';

export const DEMO_SERVER_DIR = '.sentinel/demo-server';
export const DEFAULT_PORT = 8787;

export class LocalCommandError extends Error {}

export async function startCommand(args: string[], loadConfig: (path: string) => unknown): Promise<LocalServer> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      data: { type: 'string' },
      config: { type: 'string' },
      demo: { type: 'boolean' },
      clock: { type: 'string' },
      fresh: { type: 'boolean' },
      notify: { type: 'string', multiple: true },
    },
    strict: true,
    allowPositionals: false,
  });
  const notify = (values.notify ?? []).map((spec) => {
    try {
      return parseChatTarget(spec);
    } catch {
      throw new LocalCommandError(`--notify ${spec} is not a URL (KIND+URL#secret=… with KIND wecom, dingtalk, feishu or webhook)`);
    }
  });
  const dataDir = values.data ?? (values.demo ? DEMO_SERVER_DIR : DEFAULT_DATA_DIR);
  const clock = (values.clock ?? (values.demo ? 'events' : 'wall')) as ClockMode;
  if (clock !== 'wall' && clock !== 'events') throw new LocalCommandError(`--clock must be wall or events, got "${values.clock}"`);
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new LocalCommandError(`--port must be a port number, got "${values.port}"`);
  // Never wipe, nor open, a directory another live server is using.
  assertDataDirFree(dataDir);
  if (values.fresh && existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });
  // DynamoDB Local names its file after the access key and region (`sentinel_local.db`): any database file means the
  // directory holds a configuration already, which a restart without --config keeps.
  const hasData = existsSync(dataDir) && readdirSync(dataDir).some((file) => file.endsWith('.db'));
  const config = values.config ? loadConfig(values.config) : values.demo || !hasData ? generateDemo({ days: 14 }).config : undefined;
  const server = await LocalServer.start({ dataDir, config, port, clock, notify });
  const { tokens, webhook } = server.credentials;
  process.stdout.write(
    [
      `Channel Sentinel is running at ${server.url}  (data in ${dataDir}; clock: ${clock === 'wall' ? 'wall clock' : "the pushed events' own time"})`,
      `  console:        ${server.url}/  — sign in with a token:`,
      `    finance token ${tokens.finance}   (can approve and reject)`,
      `    ops token     ${tokens.ops}`,
      `  webhooks:       POST ${server.url}/events  producer "${webhook.producer}", dev secret ${webhook.secret}`,
      `  platforms:      POST ${server.url}/connect/shopify (X-Shopify-Hmac-Sha256, secret ${server.credentials.platforms.shopify})`,
      `                  POST ${server.url}/connect/douyin  (X-Douyin-Signature, secret ${server.credentials.platforms.douyin})`,
      `  push events:    npx sentinel push ${values.demo ? '--demo' : 'FILE.ndjson'}${values.data ? ` --data ${dataDir}` : ''}${port !== DEFAULT_PORT ? ` --url ${server.url}` : ''}${values.demo ? '' : '   (or --demo for the demo scenario)'}`,
      ...(notify.length ? [`  alerts also to: ${notify.map((t) => `${t.kind} ${new URL(t.url).host}${t.secret ? ' (signed)' : ''}`).join(', ')}`] : []),
      `  jobs now:       curl -X POST -H "authorization: Bearer ${tokens.ops}" ${server.url}/api/jobs/sweep   (or /api/jobs/propose)`,
      '  Ctrl-C stops everything; a restart keeps the data.',
      '',
    ].join('\n'),
  );
  return server;
}

/** Signs and posts events to a running local server in order, at most 10 per request; waits until it has taken them in. */
/** One webhook body posted to the local server, signed as producers sign (its dev secret, the time now). */
export function postSigned(url: string, credentials: LocalCredentials, body: string): Promise<Response> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return fetch(`${url}/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [HEADERS.producer]: credentials.webhook.producer,
      [HEADERS.timestamp]: timestamp,
      [HEADERS.signature]: signatureOf(credentials.webhook.secret, timestamp, body),
    },
    body,
  });
}

/** How many times a push waits out a busy server (429/503) for one request before reporting it refused. */
const MAX_BUSY_RETRIES = 120;

/** A push that could not finish (the server went away or stopped making progress): exit 1, not a usage error. */
export class PushInterrupted extends Error {}

/** How long a push waits for a server whose backlog does not shrink before it gives up and says so. */
const DRAIN_STALL_MS = 120_000;

/** What became of a push's lines: refused by the webhook, or taken in and then new, duplicate or quarantined. */
export interface PushResult {
  readonly sent: number;
  /** Events the webhook acknowledged (202): stored durably before the answer. */
  readonly accepted: number;
  readonly refused: { line: number; status: number; message: string }[];
  /**
   * What ingest made of the acknowledged events, read from the server's intake log before and after (exact when this
   * push is the only producer meanwhile): `new` events counted in the aggregates (restated reports included),
   * `superseded` reports among them, `duplicates`, and quarantined deliveries by reason.
   */
  readonly ingested: { new: number; superseded: number; duplicates: number; quarantined: Readonly<Record<string, number>> };
}

export async function pushLines(
  url: string,
  credentials: LocalCredentials,
  lines: readonly string[],
  onProgress?: (done: number, total: number) => void,
  onDrain?: (queued: number) => void,
): Promise<PushResult> {
  const refused: { line: number; status: number; message: string }[] = [];
  let accepted = 0;
  const authorised = { headers: { authorization: `Bearer ${credentials.tokens.ops}` } };
  const intake = async () => (await (await fetch(`${url}/api/intake`, authorised)).json()) as IntakeTotals;
  // Until the server has ingested and aggregated everything it acknowledged, saying how much is left; a backlog that
  // stops shrinking for two minutes is reported, not waited on forever.
  const untilIdle = async (report?: (queued: number) => void) => {
    let least = Number.POSITIVE_INFINITY;
    let lastProgressAt = Date.now();
    for (;;) {
      const status = (await (await fetch(`${url}/api/status`, authorised)).json()) as { queued: number; busy: boolean };
      if (status.queued === 0 && !status.busy) break;
      if (status.queued < least) {
        least = status.queued;
        lastProgressAt = Date.now();
      } else if (Date.now() - lastProgressAt > DRAIN_STALL_MS) {
        throw new PushInterrupted(
          `the server at ${url} has had ${status.queued} acknowledged events waiting for ${DRAIN_STALL_MS / 1000} s without progress: they are on disk and ingested at its next start; see its log`,
        );
      }
      if (status.queued > 0) report?.(status.queued);
      await new Promise((r) => setTimeout(r, 250));
    }
    report?.(0);
  };
  // What the server is still working off (a restart resuming its spool) is not this push's: wait it out first.
  await untilIdle();
  const before = await intake();
  // A busy server answers 429 (or 503) with Retry-After: wait as told and send the same events again (signed anew),
  // so a push of any size neither floods the server nor loses a line. Other answers are final.
  const post = async (body: string): Promise<{ status: number; body: { accepted?: number; message?: string } }> => {
    for (let attempt = 1; ; attempt++) {
      const response = await postSigned(url, credentials, body);
      const answer = { status: response.status, body: (await response.json().catch(() => ({}))) as { accepted?: number; message?: string } };
      if ((response.status !== 429 && response.status !== 503) || attempt >= MAX_BUSY_RETRIES) return answer;
      const seconds = Number(response.headers.get('retry-after'));
      await new Promise((resolve) => setTimeout(resolve, (Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 30) : 1) * 1000));
    }
  };
  const isEvent = (v: unknown) =>
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    typeof (v as Record<string, unknown>).source === 'string' &&
    typeof (v as Record<string, unknown>)['detail-type'] === 'string' &&
    typeof (v as Record<string, unknown>).detail === 'object';
  const sendAlone = async (line: number, body: string) => {
    const result = await post(body);
    if (result.status === 202) accepted += 1;
    else refused.push({ line, status: result.status, message: result.body.message ?? '' });
  };
  let batch: { line: number; value: unknown }[] = [];
  const sendBatch = async () => {
    if (batch.length === 0) return;
    const sent = batch;
    batch = [];
    const result = await post(JSON.stringify(sent.map((b) => b.value)));
    if (result.status === 202) accepted += result.body.accepted ?? sent.length;
    // The webhook takes a request whole or not at all: one refused event must not sink the others sent with it, so
    // each is sent again alone and the answers name the line that was refused.
    else if (sent.length > 1 && result.status >= 400 && result.status < 500) for (const b of sent) await sendAlone(b.line, JSON.stringify(b.value));
    else for (const b of sent) refused.push({ line: b.line, status: result.status, message: result.body.message ?? '' });
  };
  for (const [i, text] of lines.entries()) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (isEvent(value)) {
      batch.push({ line: i + 1, value });
      if (batch.length >= MAX_EVENTS_PER_REQUEST) await sendBatch();
    } else {
      await sendBatch();
      // Sent alone, so the server's answer names this line only.
      await sendAlone(i + 1, text);
    }
    if (onProgress && (i + 1) % 1000 === 0) onProgress(i + 1, lines.length);
  }
  await sendBatch();
  onProgress?.(lines.length, lines.length);
  await untilIdle(onDrain);
  const after = await intake();
  const quarantined: Record<string, number> = {};
  for (const [reason, n] of Object.entries(after.quarantined)) {
    const delta = n - (before.quarantined[reason] ?? 0);
    if (delta > 0) quarantined[reason] = delta;
  }
  const duplicates = after.duplicates - before.duplicates;
  const quarantinedTotal = Object.values(quarantined).reduce((a, b) => a + b, 0);
  return {
    sent: lines.length,
    accepted,
    refused,
    ingested: { new: accepted - duplicates - quarantinedTotal, superseded: after.superseded - before.superseded, duplicates, quarantined },
  };
}

export async function pushCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { url: { type: 'string' }, data: { type: 'string' }, demo: { type: 'boolean' }, days: { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  const dataDir = values.data ?? (values.demo ? DEMO_SERVER_DIR : DEFAULT_DATA_DIR);
  const credentialsPath = join(dataDir, CREDENTIALS_FILE);
  if (!existsSync(credentialsPath))
    throw new LocalCommandError(`no local server credentials in ${dataDir}: start it first (npm start${values.demo ? ' -- --demo' : ''})`);
  const credentials = JSON.parse(readFileSync(credentialsPath, 'utf8')) as LocalCredentials;
  let lines: string[];
  if (values.demo) lines = generateDemo({ days: values.days ? Number(values.days) : 14 }).lines;
  else if (positionals[0])
    lines = readFileSync(positionals[0], 'utf8')
      // A UTF-8 byte-order mark (Windows editors write one) is not part of the first line, as in replay.
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '');
  else throw new LocalCommandError('push needs FILE.ndjson or --demo');
  const url = values.url ?? `http://127.0.0.1:${DEFAULT_PORT}`;
  try {
    const status = await fetch(`${url}/api/status`, { headers: { authorization: `Bearer ${credentials.tokens.ops}` } });
    if (status.status === 401)
      throw new LocalCommandError(`the server at ${url} does not know the tokens in ${credentialsPath}: is it running on another --data directory?`);
  } catch (error) {
    if (error instanceof LocalCommandError) throw error;
    throw new LocalCommandError(
      `cannot reach the local server at ${url} (${(error as Error).message}): start it with npm start${values.demo ? ' -- --demo' : ''}, or pass --url`,
    );
  }
  const progress = progressPrinter('pushing');
  const started = Date.now();
  let drainShownAt = 0;
  const result = await pushLines(
    url,
    credentials,
    lines,
    (done, total) => progress({ linesDone: done, linesTotal: total, elapsedMs: Date.now() - started }),
    (queued) => {
      const now = Date.now();
      if (queued > 0 && now - drainShownAt < (process.stderr.isTTY ? 250 : 5_000)) return;
      drainShownAt = now;
      const text = queued > 0 ? `server ingesting: ${queued} acknowledged events still to aggregate` : 'server ingesting: done';
      process.stderr.write(process.stderr.isTTY ? `\r${text}\x1b[K${queued > 0 ? '' : '\n'}` : `${text}\n`);
    },
  ).catch((error: unknown) => {
    if (error instanceof LocalCommandError || error instanceof PushInterrupted) throw error;
    // The server went away mid-push (killed, stopped): what it acknowledged is on its disk; pushing again is safe.
    throw new PushInterrupted(
      `lost the server at ${url} during the push (${(error as Error).message}): what it acknowledged is on disk and ingested at its next start; start it again and push the same file (repeats are dropped)`,
    );
  });
  process.stdout.write(pushReport(result));
}

/** The end of a push, for people: what the webhook refused, and what ingest made of what it took. */
export function pushReport(result: PushResult): string {
  const { ingested } = result;
  const out = [`pushed ${result.sent} lines: ${result.accepted} accepted by the webhook, ${result.refused.length} refused`];
  const reasons = Object.entries(ingested.quarantined).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const quarantinedTotal = reasons.reduce((sum, [, n]) => sum + n, 0);
  out.push(
    `  ingested: ${ingested.new} new${ingested.superseded ? ` (${ingested.superseded} of them reports superseded by a newer one)` : ''}, ${ingested.duplicates} duplicates, ${quarantinedTotal} quarantined`,
  );
  for (const [reason, n] of reasons) out.push(`    ${reason}: ${n}`);
  if (ingested.quarantined.conflicting_duplicate)
    out.push("  conflicting_duplicate: an eventId already stored with other content; the first stays (see the console's Data quality page)");
  for (const r of result.refused.slice(0, 20)) out.push(`  line ${r.line}: ${r.status} ${r.message}`);
  if (result.refused.length > 20) out.push(`  … and ${result.refused.length - 20} more refused lines`);
  return `${out.join('\n')}\n`;
}
