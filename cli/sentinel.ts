import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { routeLogsToStderr } from '../local/quiet-logging.ts';
import { describeProblems, parseConfig } from '../shared/domain/config.ts';
import { runDemo } from './demo.ts';
import { budgetsCommand, DEFAULT_DATA_DIR, proposalsCommand, ReviewRefused } from './finance-commands.ts';
import { CommandError, configPushCommand, signCommand } from './deploy-commands.ts';
import { LocalCommandError, pushCommand, startCommand } from './local-commands.ts';
import { DataDirInUseError } from '../local/server.ts';
import { progressPrinter } from './progress.ts';
import { ConfigUnavailableError } from '../shared/app/ports.ts';
import type { DeliveredEvent } from '../local/local-publisher.ts';
import type { GoogleAdsCredentials } from '../shared/adapters/ad-platforms.ts';

const USAGE = `Channel Sentinel

Usage:
  sentinel replay --config FILE --events FILE.ndjson [--out FILE] [--summary FILE]
      Feeds the events (one EventBridge-shaped event per line, file order = arrival order) through the
      pipeline on a fresh embedded DynamoDB Local. Outbound events go to --out (default stdout) as NDJSON;
      --summary writes per-channel, per-day aggregates, event counts and the quarantine as JSON.
      --data DIR keeps the database in DIR (new or empty) for the commands below.
  sentinel backtest --config FILE [--against FILE] --events FILE.ndjson [--out FILE] [--summary FILE]
      The same lines through the same domain code as replay (admission, aggregation, rules, alert lifecycle,
      reallocation) on in-memory ports: no database, the same outbound events, many times faster. With --against,
      runs the history under both configurations and prints the alerts and proposals that appear, disappear or
      change with --config (the candidate) against --against (the baseline); --out then gets --config's events.
  sentinel convert --source shopify|douyin|meta|google-ads --config FILE --in FILE [--out FILE] [--account ID] [--as-of TIME]
      Turns a file of a platform's own payloads (the API's page JSON, an array, or one payload per line) into
      replayable NDJSON, through the configuration's sources mapping (which shop or ad account is which channel).
      Refused payloads are listed on stderr with the reason. --account names the shop domain or ad account when
      several are mapped; --as-of is when pulled reports were computed (their asOf and arrival; default now).
  sentinel pull --config FILE --credentials FILE [--days N] [--out FILE] [--at TIME]
      Pulls the campaign-day reports of every ad account mapped in sources.meta / sources.googleAds, as the
      deployed hourly job does, into replayable NDJSON (Ad Spend Reported, asOf = now or --at). --days: the
      account days to ask for, ending today (default: the configuration's reportRestatementDays). --credentials:
      {"meta": {"accessToken"}, "googleAds": {"developerToken", "clientId", "clientSecret", "refreshToken",
      "loginCustomerId"?}, "metaUrl"?, "googleAdsUrl"?, "googleTokenUrl"?}. Exit 1 when an account failed.
  sentinel demo [--seed N] [--days N] [--volume X] [--dir DIR]
      Generates the demo scenario (7 channels, 14 days around Double 11) into DIR (default .sentinel/demo),
      replays it on a database in memory, prints the KPIs, the alerts and the budget proposal, approves it and
      shows the budgets after. To review its proposals yourself, replay DIR's files with --data (it prints how).
  sentinel proposals list [--status pending|approved|rejected|expired]
  sentinel proposals show ID
  sentinel proposals approve ID [--reason TEXT] [--reviewer NAME]
  sentinel proposals reject ID --reason TEXT [--reviewer NAME]
  sentinel budgets
      Finance review against a local database (--data DIR, default ${DEFAULT_DATA_DIR}) through the deployed
      finance handler. --at ISO-TIME reviews as of that time (a replay's simulated clock); --json prints the
      API's JSON.

  sentinel alerts list [--json]
  sentinel alerts ack ALERT_ID [--note TEXT] [--by NAME]
      Ops against a local database (--data DIR, default ${DEFAULT_DATA_DIR}) through the deployed console handler:
      the alerts, firing first by money at risk; acknowledge a firing one (recorded and announced once; a resolved
      one is refused, exit 3). --at ISO-TIME acts as of that time.
  sentinel report [--period day|week|month] [--at DAY] [--locale en|zh-CN] [--json]
      A review (日/周/月度复盘) from a local database (--data DIR, default ${DEFAULT_DATA_DIR}): each channel's KPIs
      against the previous period and the plan, ROI by day, the biggest movers, the rectification log (incidents,
      impact, action taken, resolution), the proposals and the store leaderboard. The kept review (its latest
      revision) when the period was reviewed, else built to date. --at: any day of the period (default: the newest
      review kept); --locale overrides the configuration's.
  sentinel silences list [--json]
  sentinel silences add --rule RULE --channel ID [--store ID] [--sku SKU] [--region CODE] [--from TIME] --to TIME --comment TEXT
  sentinel silences expire SILENCE_ID
      Silences as data, like the alerts commands: notifications held back, state kept; an alert still firing when
      its silence ends is announced once by the next sweep.

  sentinel start [--port 8787] [--data DIR] [--config FILE] [--clock wall|events] [--demo] [--fresh] [--notify URL]…
      The long-running local mode (npm start): DynamoDB Local on DIR (default .sentinel/data), the webhook,
      finance and console APIs and the web console on 127.0.0.1, the scheduled jobs on the clock; prints the
      login tokens and the dev webhook secret. --demo: the demo configuration, the events' own clock, data in
      .sentinel/demo-server. Ctrl-C stops; a restart keeps the data. --notify (repeatable) delivers alerts to a
      WeCom, DingTalk or Feishu group bot or a JSON webhook: URL, or KIND+URL, with #secret=… to sign.
  sentinel push FILE.ndjson | --demo [--url URL] [--data DIR]
      Signs and posts events to the running local server, in order, with progress.
  sentinel config push --table STATE_TABLE --config FILE [--region REGION]
      Validates the configuration and stores it in a deployed stack's state table (AWS credentials from the
      environment).
  sentinel sign --secret SECRET (--body FILE | --data TEXT) [--producer ID]
      Prints the X-Sentinel-* headers that sign a webhook body (HMAC-SHA256 over "timestamp.body").

Exit status: 0 when it ran (quarantined events included), 2 for a bad command line, configuration, file,
request or unknown proposal, 3 when a review was refused as a conflict (already decided, expired, budgets
changed), 1 for anything unexpected.`;

/** A problem with what the user gave us: reported plainly, exit status 2. */
export class UsageError extends Error {}

function readText(path: string, what: string): string {
  try {
    // A UTF-8 byte-order mark (Windows editors write one) is not part of the first line.
    return readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** Reads and validates a configuration file; every problem is listed. */
export function loadConfigFile(path: string): unknown {
  let document: unknown;
  try {
    document = JSON.parse(readText(path, 'configuration'));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`configuration ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = parseConfig(document);
  if (!parsed.ok) throw new UsageError(`configuration ${path} refused, nothing applied:\n${describeProblems(parsed.problems)}`);
  return document;
}

function writeFileCreatingDir(path: string, text: string) {
  mkdirSync(dirname(resolve(path)), { recursive: true });
  writeFileSync(path, text);
}

async function replayCommand(args: string[]) {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string' }, events: { type: 'string' }, out: { type: 'string' }, summary: { type: 'string' }, data: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  if (!values.config || !values.events) throw new UsageError('replay needs --config FILE and --events FILE.ndjson');
  const config = loadConfigFile(values.config);
  if (values.data !== undefined && existsSync(values.data) && readdirSync(values.data).length > 0) {
    throw new UsageError(`--data ${values.data} is not empty: a replay starts from a fresh database (remove it first)`);
  }
  const lines = readText(values.events, 'events file').split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();

  const { replay } = await import('../local/replay.ts');
  const outLines: string[] = [];
  const summary = await replay({
    config,
    lines,
    emit: (line) => outLines.push(line),
    ...(values.data === undefined ? {} : { dataDir: values.data }),
    onProgress: lines.length >= 5_000 ? progressPrinter('replay') : undefined,
  });
  const outText = outLines.map((l) => `${l}\n`).join('');
  if (values.out) writeFileCreatingDir(values.out, outText);
  else process.stdout.write(outText);
  if (values.summary) writeFileCreatingDir(values.summary, `${JSON.stringify(summary, null, 2)}\n`);
  const e = summary.events;
  process.stderr.write(
    `replay: ${e.received} received, ${e.accepted} accepted${e.superseded > 0 ? ` (${e.superseded} superseded reports)` : ''}, ${e.duplicates} duplicates, ${e.quarantined} quarantined\n`,
  );
}

async function backtestCommand(args: string[]) {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string' }, against: { type: 'string' }, events: { type: 'string' }, out: { type: 'string' }, summary: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  if (!values.config || !values.events) throw new UsageError('backtest needs --config FILE and --events FILE.ndjson');
  const config = loadConfigFile(values.config);
  const baseline = values.against === undefined ? undefined : loadConfigFile(values.against);
  const lines = readText(values.events, 'events file').split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const { backtest } = await import('../local/backtest.ts');
  const run = async (document: unknown, label: string) => {
    const outLines: string[] = [];
    const started = Date.now();
    const summary = await backtest({
      config: document,
      lines,
      emit: (line) => outLines.push(line),
      onProgress: lines.length >= 50_000 ? progressPrinter(label) : undefined,
    });
    const e = summary.events;
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(
      `${label}: ${e.received} received, ${e.accepted} accepted${e.superseded > 0 ? ` (${e.superseded} superseded reports)` : ''}, ${e.duplicates} duplicates, ${e.quarantined} quarantined in ${seconds.toFixed(1)} s (${Math.round(e.received / Math.max(seconds, 0.001))} lines/s)\n`,
    );
    return { outLines, summary };
  };
  const candidate = await run(config, 'backtest');
  const outText = candidate.outLines.map((l) => `${l}\n`).join('');
  if (values.summary) writeFileCreatingDir(values.summary, `${JSON.stringify(candidate.summary, null, 2)}\n`);
  if (baseline === undefined) {
    if (values.out) writeFileCreatingDir(values.out, outText);
    else process.stdout.write(outText);
    return;
  }
  const against = await run(baseline, 'backtest --against');
  if (values.out) writeFileCreatingDir(values.out, outText);
  const { describeDiff, diffBacktests } = await import('./backtest-diff.ts');
  const parse = (l: string[]) => l.map((line) => JSON.parse(line) as DeliveredEvent);
  process.stdout.write(
    `${describeDiff(diffBacktests(parse(against.outLines), parse(candidate.outLines)), { baseline: values.against as string, candidate: values.config })}\n`,
  );
}

async function convertCommand(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      source: { type: 'string' },
      config: { type: 'string' },
      in: { type: 'string' },
      out: { type: 'string' },
      account: { type: 'string' },
      'as-of': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const { CONVERT_SOURCES, convert } = await import('../connectors/index.ts');
  const source = values.source as (typeof CONVERT_SOURCES)[number] | undefined;
  if (!source || !CONVERT_SOURCES.includes(source) || !values.config || !values.in) {
    throw new UsageError(`convert needs --source ${CONVERT_SOURCES.join('|')}, --config FILE and --in FILE`);
  }
  const parsed = parseConfig(loadConfigFile(values.config));
  if (!parsed.ok) throw new UsageError('configuration refused');
  const asOf = values['as-of'] ?? new Date().toISOString();
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(asOf) || Number.isNaN(Date.parse(asOf))) {
    throw new UsageError(`--as-of ${asOf} is not an ISO 8601 time with an offset`);
  }
  const result = convert(source, readText(values.in, 'input file'), parsed.config, {
    asOf,
    ...(values.account === undefined ? {} : { account: values.account }),
  });
  const text = result.events.map((e) => `${JSON.stringify(e)}\n`).join('');
  if (values.out) writeFileCreatingDir(values.out, text);
  else process.stdout.write(text);
  for (const r of result.refused) process.stderr.write(`refused ${r.item}: ${r.reason}\n`);
  process.stderr.write(`convert: ${result.events.length} events, ${result.refused.length} refused\n`);
}

async function pullCommand(args: string[]) {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string' }, credentials: { type: 'string' }, days: { type: 'string' }, out: { type: 'string' }, at: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  if (!values.config || !values.credentials) throw new UsageError('pull needs --config FILE and --credentials FILE');
  const parsed = parseConfig(loadConfigFile(values.config));
  if (!parsed.ok) throw new UsageError('configuration refused');
  const days = values.days === undefined ? parsed.config.reportRestatementDays : Number(values.days);
  if (!Number.isInteger(days) || days < 1 || days > 366) throw new UsageError(`--days must be a whole number from 1 to 366, got "${values.days}"`);
  const atMs = values.at === undefined ? Date.now() : Date.parse(values.at);
  if (Number.isNaN(atMs)) throw new UsageError(`--at ${values.at} is not an ISO 8601 time`);
  let credentials: Record<string, unknown>;
  try {
    credentials = JSON.parse(readText(values.credentials, 'credentials file')) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`credentials file ${values.credentials} is not JSON`);
  }
  const { googleAdsClient, metaInsightsClient } = await import('../shared/adapters/ad-platforms.ts');
  const { pullReports } = await import('../shared/app/pulling.ts');
  const text = (key: string) => (typeof credentials[key] === 'string' ? (credentials[key] as string) : undefined);
  const meta = credentials.meta as { accessToken?: string } | undefined;
  const google = credentials.googleAds as GoogleAdsCredentials | undefined;
  const lines: string[] = [];
  const report = await pullReports(
    {
      clients: {
        ...(meta?.accessToken
          ? { meta: metaInsightsClient({ accessToken: meta.accessToken }, text('metaUrl') ? { baseUrl: text('metaUrl') as string } : {}) }
          : {}),
        ...(google?.refreshToken
          ? {
              googleAds: googleAdsClient(google, {
                ...(text('googleAdsUrl') ? { baseUrl: text('googleAdsUrl') as string } : {}),
                ...(text('googleTokenUrl') ? { tokenUrl: text('googleTokenUrl') as string } : {}),
              }),
            }
          : {}),
      },
      bus: {
        putEvents: async (entries) => {
          for (const e of entries)
            lines.push(JSON.stringify({ source: e.source, 'detail-type': e.detailType, time: new Date(e.timeMs).toISOString(), detail: e.detail }));
          return [];
        },
      },
    },
    parsed.config,
    atMs,
    { days },
  );
  const output = lines.map((l) => `${l}\n`).join('');
  if (values.out) writeFileCreatingDir(values.out, output);
  else process.stdout.write(output);
  for (const a of report.accounts) {
    process.stderr.write(
      `pull ${a.platform} ${a.account} ${a.since}…${a.until}: ${a.error ? `FAILED — ${a.error}` : `${a.pages} page(s), ${a.reports} report(s)`}\n`,
    );
    for (const r of a.refused) process.stderr.write(`  refused ${r}\n`);
  }
  if (report.accounts.length === 0) process.stderr.write('pull: no ad account is mapped in sources.meta or sources.googleAds\n');
  if (report.accounts.some((a) => a.error)) throw new Error('some accounts could not be pulled (see above)');
}

async function demoCommand(args: string[]) {
  const { values } = parseArgs({
    args,
    options: { seed: { type: 'string' }, days: { type: 'string' }, volume: { type: 'string' }, dir: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const number = (name: string, text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got "${text}"`);
    return n;
  };
  await runDemo({
    seed: number('seed', values.seed, 11),
    days: Math.round(number('days', values.days, 14)),
    volume: number('volume', values.volume, 1),
    dir: values.dir ?? join('.sentinel', 'demo'),
  });
}

/**
 * The usage of one command: its group of lines in {@link USAGE} (one or more `sentinel …` lines and the description
 * under them), or `undefined` for a command the usage does not know.
 */
export function usageOf(command: string): string | undefined {
  const groups: string[][] = [];
  let previousWasHeader = false;
  for (const line of USAGE.split('\n')) {
    const header = line.startsWith('  sentinel ');
    if (header && !previousWasHeader) groups.push([]);
    if ((header || line.startsWith('      ')) && groups.length > 0) (groups[groups.length - 1] as string[]).push(line);
    previousWasHeader = header;
  }
  const group = groups.find((g) => g.some((line) => line.startsWith(`  sentinel ${command} `) || line === `  sentinel ${command}`));
  return group ? `Usage:\n${group.join('\n')}` : undefined;
}

async function main(argv: string[]): Promise<number> {
  routeLogsToStderr(process.env.POWERTOOLS_LOG_LEVEL ?? 'ERROR');
  const [command, ...rest] = argv;
  // `sentinel <command> --help`: that command's usage, exit 0.
  if (command !== undefined && (rest.includes('--help') || rest.includes('-h'))) {
    const usage = usageOf(command);
    if (usage) {
      process.stdout.write(`${usage}\n`);
      return 0;
    }
  }
  try {
    switch (command) {
      case 'replay':
        await replayCommand(rest);
        return 0;
      case 'backtest':
        await backtestCommand(rest);
        return 0;
      case 'demo':
        await demoCommand(rest);
        return 0;
      case 'convert':
        await convertCommand(rest);
        return 0;
      case 'pull':
        await pullCommand(rest);
        return 0;
      case 'proposals':
        await proposalsCommand(rest, (text) => process.stdout.write(text));
        return 0;
      case 'budgets':
        await budgetsCommand(rest, (text) => process.stdout.write(text));
        return 0;
      case 'alerts': {
        const { alertsCommand } = await import('./alert-commands.ts');
        await alertsCommand(rest, (text) => process.stdout.write(text));
        return 0;
      }
      case 'report': {
        const { reportCommand } = await import('./alert-commands.ts');
        await reportCommand(rest, (text) => process.stdout.write(text));
        return 0;
      }
      case 'silences': {
        const { silencesCommand } = await import('./alert-commands.ts');
        await silencesCommand(rest, (text) => process.stdout.write(text));
        return 0;
      }
      case 'start': {
        const server = await startCommand(rest, loadConfigFile);
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.stdout.write('\nstopping: finishing queued events, closing the database…\n');
            server.stop().then(resolve, (error: unknown) => {
              process.stderr.write(`sentinel: stop failed: ${(error as Error).message}\n`);
              resolve();
            });
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        return 0;
      }
      case 'push':
        await pushCommand(rest);
        return 0;
      case 'config':
        await configPushCommand(rest, (text) => process.stdout.write(text));
        return 0;
      case 'sign':
        signCommand(rest, (text) => process.stdout.write(text));
        return 0;
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof ReviewRefused) {
      process.stderr.write(`sentinel: ${error.message}\n`);
      return error.exitCode;
    }
    const usage =
      error instanceof UsageError ||
      error instanceof CommandError ||
      error instanceof LocalCommandError ||
      error instanceof DataDirInUseError ||
      error instanceof ConfigUnavailableError ||
      (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`sentinel: ${(error as Error).message}\n${usage ? '\nRun "sentinel --help" for usage.\n' : ''}`);
    if (!usage && process.env.SENTINEL_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    return usage ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
