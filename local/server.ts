/**
 * The long-running local mode (`npm start`): DynamoDB Local on a persistent data directory, the deployed handlers
 * (signed webhooks, finance API, console read API) served on 127.0.0.1, the scheduled jobs on the wall clock (or on
 * the events' own clock for history), and the web console. Everything below `/api` needs a login token.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { makeHandler as makeConsoleHandler } from '../functions/console/console.ts';
import { CONSOLE_ROUTES, matchesTemplate, PLATFORM_ROUTES, type PushPlatform } from '../functions/routes.ts';
import { MAX_WEBHOOK_BYTES } from '../events/webhook.ts';
import { makePlatformHandler } from '../functions/webhook/platforms.ts';
import { makeHandler as makeWebhookHandler } from '../functions/webhook/webhook.ts';
import { acknowledgingOf, budgetedConfigOf, silencingOf } from '../shared/runtime/compose.ts';
import { alertMessage } from '../shared/app/alert-message.ts';
import type { Locale } from '../shared/domain/config.ts';
import { type ChatTarget, deliverChat } from '../shared/adapters/chat.ts';
import { staticWebhookSecrets } from '../shared/adapters/webhook-secrets.ts';
import { parseInstant } from '../shared/kernel/time.ts';
import { retainUntilMs } from '../shared/domain/config.ts';
import { METRICS_NAMESPACE } from '../shared/runtime/observability.ts';
import { localContext } from './lambda-context.ts';
import type { DeliveredEvent } from './local-publisher.ts';
import { FINANCE_ROLE, LocalPipeline, READER_ROLES } from './pipeline.ts';
import { ScheduledRunner } from './runner.ts';
import { Spool, type SpooledEvent } from './spool.ts';
import type { EventPublisher } from '../shared/app/ports.ts';

export type ClockMode = 'wall' | 'events';

/** Login tokens and the dev webhook secret, kept beside the database so a restart keeps them. */
export interface LocalCredentials {
  readonly tokens: { readonly finance: string; readonly ops: string };
  readonly webhook: { readonly producer: string; readonly secret: string };
  /**
   * The secrets `POST /connect/shopify` and `/connect/douyin` verify the platforms' signatures with: random per data
   * directory, or the platform's own (`SENTINEL_SHOPIFY_SECRET`, `SENTINEL_DOUYIN_SECRET`) when set at start.
   */
  readonly platforms: Readonly<Record<PushPlatform, string>>;
}

export const CREDENTIALS_FILE = 'sentinel-local.json';
const PRINCIPALS = { finance: { principal: 'finance@local', roles: [FINANCE_ROLE] }, ops: { principal: 'ops@local', roles: [...READER_ROLES] } } as const;

function loadOrCreateCredentials(dataDir: string): LocalCredentials {
  const path = join(dataDir, CREDENTIALS_FILE);
  const token = () => randomBytes(24).toString('base64url');
  const stored = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Partial<LocalCredentials>) : undefined;
  const credentials: LocalCredentials = {
    tokens: stored?.tokens ?? { finance: token(), ops: token() },
    webhook: stored?.webhook ?? { producer: 'local', secret: token() },
    // A directory from before the platform endpoints gets their secrets on its next start.
    platforms: stored?.platforms ?? { shopify: token(), douyin: token() },
  };
  if (!stored?.platforms) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  }
  const fromEnv = { shopify: process.env.SENTINEL_SHOPIFY_SECRET, douyin: process.env.SENTINEL_DOUYIN_SECRET };
  return { ...credentials, platforms: { shopify: fromEnv.shopify || credentials.platforms.shopify, douyin: fromEnv.douyin || credentials.platforms.douyin } };
}

export interface LocalServerOptions {
  readonly dataDir: string;
  /** Configuration document to store; `undefined` keeps the stored one. */
  readonly config: unknown;
  readonly port?: number;
  readonly clock?: ClockMode;
  /** Where alerts, proposals and decisions are reported as they happen. */
  readonly log?: (line: string) => void;
  /** Chat bots and webhooks alerts are delivered to as they happen (`--notify`). */
  readonly notify?: readonly ChatTarget[];
  /** Acknowledged events waiting for ingest beyond which the webhook answers 429 (default {@link MAX_QUEUED}). */
  readonly maxQueued?: number;
}

const CONSOLE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'console');
const UPLOT_DIR = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: join(CONSOLE_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  '/index.html': { file: join(CONSOLE_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  '/app.js': { file: join(CONSOLE_DIR, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/styles.css': { file: join(CONSOLE_DIR, 'styles.css'), type: 'text/css; charset=utf-8' },
  '/vendor/uPlot.iife.min.js': { file: join(UPLOT_DIR, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/vendor/uPlot.min.css': { file: join(UPLOT_DIR, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

/** One line per outbound event, for the terminal. */
function describeDelivered(e: DeliveredEvent): string {
  const d = e.detail as Record<string, string | undefined>;
  switch (e['detail-type']) {
    case 'Alert Raised':
      return `ALERT    ${d.severity} ${d.rule} ${d.channelId}: ${d.summary}`;
    case 'Alert Escalated':
      return `ESCALATED ${d.previousSeverity} → ${d.severity} ${d.rule} ${d.channelId}: ${d.summary}`;
    case 'Alert Resolved':
      return `RESOLVED ${d.rule} ${d.channelId}: ${d.reason}`;
    case 'Alert Reminder Sent':
      return `REMINDER ${d.rule} ${d.channelId}: ${d.summary}`;
    case 'Budget Reallocation Proposed':
      return `PROPOSAL ${d.proposalId}: ${d.summary}`;
    default:
      return `${e['detail-type'].toUpperCase()} ${d.proposalId ?? ''} ${d.reviewer ? `by ${d.reviewer}` : ''} ${d.reason ?? ''}`.trim();
  }
}

/** The file that says which process serves a data directory. */
export const LOCK_FILE = 'server.lock';

/** Raised when another live process (a server, or a CLI command on its database) already uses the data directory. */
export class DataDirInUseError extends Error {}

/**
 * Takes the data directory for this process: `server.lock` with our pid, created exclusively. A lock left by a process
 * that no longer runs (kill -9, a crash) is stale and taken over; one held by a live process refuses the start — two
 * servers on one directory would feed the same spool twice and share one DynamoDB Local file. Returns the release.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      return () => {
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder))
        throw new DataDirInUseError(
          `another Channel Sentinel process (pid ${holder}: a local server, or a command on its database) is using ${dataDir}: stop it first, or use another --data directory`,
        );
      unlinkSync(path);
    }
  }
  throw new DataDirInUseError(`could not take ${path}`);
}

/** Refuses when another live process serves `dataDir` (before anything touches the directory, e.g. `--fresh`). */
export function assertDataDirFree(dataDir: string): void {
  const path = join(dataDir, LOCK_FILE);
  if (!existsSync(path)) return;
  const holder = Number(readFileSync(path, 'utf8').trim());
  if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder))
    throw new DataDirInUseError(
      `another Channel Sentinel process (pid ${holder}: a local server, or a command on its database) is using ${dataDir}: stop it first, or use another --data directory`,
    );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Default bound of the webhook's backlog: a few seconds to a minute of ingest on a laptop. */
export const MAX_QUEUED = 5_000;

export class LocalServer {
  private readonly queue: SpooledEvent[] = [];
  private spool!: Spool;
  private working: Promise<void> = Promise.resolve();
  private draining = false;
  private timer: NodeJS.Timeout | undefined;
  private processed = 0;
  private release: () => void = () => undefined;

  private constructor(
    readonly pipeline: LocalPipeline,
    readonly runner: ScheduledRunner,
    readonly server: Server,
    readonly credentials: LocalCredentials,
    readonly clock: ClockMode,
    private readonly log: (line: string) => void,
    private readonly maxQueued: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  static async start(options: LocalServerOptions): Promise<LocalServer> {
    const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
    const release = lockDataDir(options.dataDir);
    try {
      return await LocalServer.open(options, log, release);
    } catch (error) {
      release();
      throw error;
    }
  }

  private static async open(options: LocalServerOptions, log: (line: string) => void, release: () => void): Promise<LocalServer> {
    const credentials = loadOrCreateCredentials(options.dataDir);
    // Alerts also go to the configured chats, in the background: a slow or refusing bot never holds the pipeline.
    const consoleUrl = { current: undefined as string | undefined, locale: 'en' as Locale };
    const notify = (e: DeliveredEvent) => {
      const message = options.notify?.length ? alertMessage(e, consoleUrl.current, consoleUrl.locale) : undefined;
      if (!message) return;
      for (const target of options.notify ?? [])
        void deliverChat(target, message, e, Date.now()).then((refused) => {
          if (refused) log(`NOTIFY ${target.kind} ${new URL(target.url).host} refused: ${refused}`);
        });
    };
    const pipeline = await LocalPipeline.start({
      config: options.config,
      dataDir: options.dataDir,
      deliver: (e) => {
        log(describeDelivered(e));
        notify(e);
      },
    });
    consoleUrl.locale = pipeline.config.locale;
    const clock = options.clock ?? 'wall';
    const runner = new ScheduledRunner(pipeline, {
      onDeadLetter: (ids) => log(`DEAD-LETTERED after repeated ingest failures: ${ids.join(', ')}`),
      onProposeReport: (report) => {
        for (const s of report.skipped) log(`NO PROPOSAL after ${report.closedDay} (${s.currency}): ${s.reason}`);
      },
    });
    const server = createServer();
    const self = new LocalServer(pipeline, runner, server, credentials, clock, log, options.maxQueued ?? MAX_QUEUED);
    self.release = release;
    self.spool = new Spool(options.dataDir);
    server.on('request', (req, res) => {
      self.handle(req, res).catch((error: unknown) => {
        log(`request failed: ${(error as Error).stack ?? String(error)}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'internal', message: (error as Error).message }));
      });
    });
    // Loopback only: nothing on this machine's other interfaces can reach the server.
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 8787, '127.0.0.1', () => resolve());
    });
    consoleUrl.current = self.url;
    if (clock === 'events') {
      // A restart resumes the events' clock where the stored events left it (the freshest one received).
      const latest = await Promise.all(pipeline.config.channels.map(async (c) => (await pipeline.alerts.list(c.id)).lastEventAtMs ?? 0));
      runner.clockMs = Math.max(0, ...latest);
      pipeline.nowMs = runner.clockMs;
    }
    if (clock === 'wall') {
      runner.clockMs = Date.now();
      pipeline.nowMs = runner.clockMs;
      self.timer = setInterval(() => void self.serially(() => runner.advanceClock(Date.now())), 5_000);
    }
    // What was acknowledged before a crash and not yet ingested is fed again, in order.
    const pending = self.spool.pending();
    if (pending.length > 0) {
      log(`resuming ${pending.length} acknowledged event(s) not yet ingested before the last stop`);
      self.queue.push(...pending);
      self.kick();
    }
    return self;
  }

  /** Runs `work` after everything queued before it: one writer at a time, like one poller per queue. */
  private serially(work: () => Promise<void>): Promise<void> {
    const next = this.working.then(work, work);
    this.working = next.catch((error: unknown) => this.log(`background work failed: ${(error as Error).stack ?? String(error)}`));
    return next;
  }

  /** The local bus: what the webhook puts is routed by the stack's patterns and queued for ingest. */
  private bus(): EventPublisher {
    return {
      putEvents: async (entries) => {
        // Durable before acknowledged: the webhook answers 202 only after this returns.
        const spooled = this.spool.append(
          entries.map((e) => {
            const detail = e.detail as { channelId?: unknown; eventId?: unknown };
            const line = JSON.stringify({ source: e.source, 'detail-type': e.detailType, time: new Date(e.timeMs).toISOString(), detail: e.detail });
            return { line, timeMs: e.timeMs, key: `${String(detail.channelId)}\u0000${String(detail.eventId)}` };
          }),
        );
        this.queue.push(...spooled);
        this.kick();
        return [];
      },
    };
  }

  private kick(): void {
    if (this.draining) return;
    this.draining = true;
    void this.serially(async () => {
      let lastSeq = 0;
      try {
        while (this.queue.length > 0) {
          const item = this.queue.shift() as SpooledEvent;
          lastSeq = item.seq;
          if (!this.pipeline.routesToIngest(JSON.parse(item.line))) {
            await this.pipeline.intake.quarantine({
              messageId: randomUUID(),
              reason: 'unknown_detail_type',
              message: 'no rule on the bus routes this event to ingest',
              payload: item.line,
              atMs: item.timeMs,
              retainUntilMs: retainUntilMs(this.pipeline.config, 'logs', item.timeMs),
            });
          } else {
            await this.runner.offer({
              message: { messageId: randomUUID(), body: item.line, sentAtMs: item.timeMs },
              ...(this.clock === 'events' ? { timeMs: item.timeMs } : {}),
              ...(item.key ? { key: item.key } : {}),
            });
          }
          this.processed += 1;
        }
        await this.runner.flush();
        this.spool.done(lastSeq);
      } finally {
        this.draining = false;
        // Events that arrived while the last batch was being flushed must not wait for the next request.
        if (this.queue.length > 0) this.kick();
      }
    });
  }

  /** Runs a scheduled job now, at the server's clock. */
  async runJob(job: 'sweep' | 'propose' | 'review'): Promise<void> {
    await this.serially(async () => {
      await this.runner.flush();
      if (this.clock === 'wall') this.runner.clockMs = Math.max(this.runner.clockMs, Date.now());
      this.pipeline.nowMs = this.runner.clockMs;
      if (job === 'sweep') await this.pipeline.sweep();
      else if (job === 'propose') await this.pipeline.propose();
      else await this.pipeline.review();
    });
  }

  /** Whether the acknowledged-but-not-ingested backlog has reached its bound. */
  private backlogFull(): boolean {
    return this.queue.length + this.runner.pending >= this.maxQueued;
  }

  /** Waits until every queued event is ingested and aggregated. */
  async idle(): Promise<void> {
    while (this.queue.length > 0 || this.draining) await this.working;
  }

  status() {
    return {
      clock: new Date(this.runner.clockMs || this.pipeline.nowMs).toISOString(),
      clockMode: this.clock,
      queued: this.queue.length + this.runner.pending,
      processed: this.processed,
      busy: this.draining,
    };
  }

  /**
   * Everything the intake log holds, counted: duplicates, superseded reports and quarantined deliveries by reason.
   * `sentinel push` reads it before and after to say what became of what it sent (a local scan: small tables).
   */
  async intakeTotals(): Promise<IntakeTotals> {
    const [quarantined, duplicates, superseded] = await Promise.all([
      this.pipeline.intake.quarantined(),
      this.pipeline.intake.duplicates(),
      this.pipeline.intake.supersededReports(),
    ]);
    const byReason: Record<string, number> = {};
    for (const q of quarantined) byReason[q.reason] = (byReason[q.reason] ?? 0) + 1;
    return { duplicates: duplicates.length, superseded: superseded.length, quarantined: byReason };
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await this.idle();
    await this.pipeline.stop();
    this.release();
  }

  private callerOf(req: IncomingMessage) {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!match) return undefined;
    if (match[1] === this.credentials.tokens.finance) return PRINCIPALS.finance;
    if (match[1] === this.credentials.tokens.ops) return PRINCIPALS.ops;
    return undefined;
  }

  private readonly logger = new Logger({ serviceName: 'sentinel-local' });
  private readonly metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'sentinel-local', logger: this.logger });

  private webhookHandler?: ReturnType<typeof makeWebhookHandler>;
  private platformHandler?: ReturnType<typeof makePlatformHandler>;
  private consoleHandler?: ReturnType<typeof makeConsoleHandler>;

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const send = (result: APIGatewayProxyStructuredResultV2) => {
      res.writeHead(result.statusCode ?? 200, { 'content-type': 'application/json; charset=utf-8', ...(result.headers as Record<string, string>) });
      res.end(result.body ?? '');
    };
    const json = (statusCode: number, body: unknown) => send({ statusCode, body: JSON.stringify(body) });
    // Back-pressure: with too much acknowledged and not yet ingested, a push is refused before spooling (nothing is
    // taken on that cannot be worked off soon); the client retries after Retry-After, as producers do with SQS.
    const busy = () => {
      const backlog = this.queue.length + this.runner.pending;
      res.setHeader('retry-after', String(Math.min(30, Math.max(1, Math.ceil(backlog / 500)))));
      return json(429, {
        error: 'busy',
        message: `${backlog} events are waiting to be ingested (limit ${this.maxQueued}); retry after the Retry-After seconds`,
      });
    };

    if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    const asset = method === 'GET' ? STATIC[url.pathname] : undefined;
    if (asset) {
      res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache' });
      res.end(readFileSync(asset.file));
      return;
    }

    const raw = await readBody(req, MAX_WEBHOOK_BYTES + 1);
    if (raw === undefined) return json(413, { error: 'payload_too_large', message: `request bodies are limited to ${MAX_WEBHOOK_BYTES} bytes` });
    const event = (path: string, caller?: { principal: string; roles: readonly string[] }): APIGatewayProxyEventV2 =>
      ({
        version: '2.0',
        routeKey: '$default',
        rawPath: path,
        rawQueryString: url.search.slice(1),
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : (v ?? '')])),
        queryStringParameters: Object.fromEntries(url.searchParams),
        body: raw,
        isBase64Encoded: false,
        requestContext: {
          http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: req.headers['user-agent'] ?? '' },
          ...(caller ? { authorizer: { lambda: { principal: caller.principal, roles: [...caller.roles] } } } : {}),
        },
      }) as unknown as APIGatewayProxyEventV2;

    if (url.pathname === '/events') {
      if (method !== 'POST') return json(405, { error: 'method_not_allowed', message: 'POST signed events here' });
      if (this.backlogFull()) return busy();
      this.webhookHandler ??= makeWebhookHandler({
        secrets: staticWebhookSecrets({ [this.credentials.webhook.producer]: [this.credentials.webhook.secret] }),
        bus: this.bus(),
        clock: Date.now,
        ...(this.clock === 'events' ? { arrivalOf: (time: string | undefined, now: number) => (time ? (parseInstant(time) ?? now) : now) } : {}),
        logger: this.logger,
        metrics: this.metrics,
      });
      return send(await this.webhookHandler(event('/events'), localContext('webhook')));
    }

    if (PLATFORM_ROUTES.some((route) => route.path === url.pathname)) {
      if (method !== 'POST') return json(405, { error: 'method_not_allowed', message: "POST the platform's pushes here" });
      if (this.backlogFull()) return busy();
      this.platformHandler ??= makePlatformHandler({
        secrets: staticWebhookSecrets({ shopify: [this.credentials.platforms.shopify], douyin: [this.credentials.platforms.douyin] }),
        config: { current: async () => this.pipeline.config },
        bus: this.bus(),
        clock: Date.now,
        platformTime: this.clock === 'events',
        logger: this.logger,
        metrics: this.metrics,
      });
      return send(await this.platformHandler(event(url.pathname), localContext('webhook')));
    }

    if (!url.pathname.startsWith('/api/')) return json(404, { error: 'not_found', message: `no route ${method} ${url.pathname}` });
    const caller = this.callerOf(req);
    if (!caller) return json(401, { error: 'unauthenticated', message: 'send Authorization: Bearer <token> (printed by npm start)' });
    const path = url.pathname.slice(4);
    if (path === '/status') return json(200, this.status());
    if (path === '/intake') return json(200, await this.intakeTotals());
    if (path === '/jobs/sweep' || path === '/jobs/propose' || path === '/jobs/review') {
      if (method !== 'POST') return json(405, { error: 'method_not_allowed', message: 'POST to run the job now' });
      await this.runJob(path.slice(6) as 'sweep' | 'propose' | 'review');
      return json(200, { ran: path.slice(6), at: new Date(this.pipeline.nowMs).toISOString() });
    }
    if (CONSOLE_ROUTES.some((route) => matchesTemplate(route.path, path))) {
      this.consoleHandler ??= makeConsoleHandler({
        aggregates: this.pipeline.aggregates,
        alerts: this.pipeline.alerts,
        acknowledging: acknowledgingOf(this.pipeline.wiring),
        silencing: silencingOf(this.pipeline.wiring),
        intake: this.pipeline.intake,
        reviewing: this.pipeline.reviewing,
        // Read fresh: the console shows the configuration and budgets in force at this moment.
        config: budgetedConfigOf({ ...this.pipeline.wiring, cacheMs: 0 }),
        readerRoles: [FINANCE_ROLE, ...READER_ROLES],
        clock: () => (this.clock === 'wall' ? Date.now() : this.runner.clockMs),
        logger: this.logger,
        metrics: this.metrics,
      });
      return send(await this.consoleHandler(event(path, caller), localContext('console')));
    }
    // Finance routes: reviews happen at the server's clock (the wall clock, or the replayed history's).
    if (this.clock === 'wall') this.pipeline.nowMs = Date.now();
    else this.pipeline.nowMs = this.runner.clockMs;
    const response = await this.pipeline.finance({ method, path, query: Object.fromEntries(url.searchParams), body: raw, caller });
    return send(response);
  }
}

/** The local server's intake log, counted (`GET /api/intake`). */
export interface IntakeTotals {
  readonly duplicates: number;
  readonly superseded: number;
  readonly quarantined: Readonly<Record<string, number>>;
}

/** The request body, or `undefined` when it exceeds `limit` bytes (the rest is drained, not buffered). */
async function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) tooLarge = true;
    if (!tooLarge) chunks.push(chunk as Buffer);
  }
  return tooLarge ? undefined : Buffer.concat(chunks).toString('utf8');
}
