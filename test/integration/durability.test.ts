import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postSigned } from '../../cli/local-commands.ts';
import { backtest } from '../../local/backtest.ts';
import { generateDemo } from '../../local/demo-scenario.ts';
import { LocalPipeline } from '../../local/pipeline.ts';
import { CREDENTIALS_FILE, type LocalCredentials } from '../../local/server.ts';
import './harness.ts';

// `npm start` answers the webhook 202 only once the events are on disk: kill -9 the server while it is still
// ingesting what it acknowledged, start it again on the same directory, and every acknowledged event is counted once.
const dir = mkdtempSync(join(tmpdir(), 'sentinel-durable-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['bin/sentinel.js', 'start', '--data', dir, '--port', '0', '--clock', 'events', ...args], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ child, url });
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}) before it started:\n${out}`)));
  });
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

describe('npm start under kill -9', () => {
  it('loses no acknowledged event and counts none twice', async () => {
    const scenario = generateDemo({ days: 1, volume: 0.2 });
    const configPath = join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify(scenario.config));
    const events = scenario.lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as unknown];
      } catch {
        return [];
      }
    });

    const first = await start(['--config', configPath]);
    const credentials = JSON.parse(readFileSync(join(dir, CREDENTIALS_FILE), 'utf8')) as LocalCredentials;
    const acknowledged: string[] = [];
    for (let i = 0; i < 40 * 10 && i < events.length; i += 10) {
      const batch = events.slice(i, i + 10);
      const response = await postSigned(first.url, credentials, JSON.stringify(batch));
      if (response.status === 202) acknowledged.push(...batch.map((e) => JSON.stringify(e)));
    }
    const status = (await (await fetch(`${first.url}/api/status`, { headers: { authorization: `Bearer ${credentials.tokens.ops}` } })).json()) as {
      queued: number;
    };
    first.child.kill('SIGKILL');
    await exited(first.child);
    // The kill came while acknowledged events were still waiting: the case that used to lose them.
    expect(status.queued).toBeGreaterThan(0);
    expect(acknowledged.length).toBeGreaterThan(100);

    const second = await start([]);
    for (;;) {
      const s = (await (await fetch(`${second.url}/api/status`, { headers: { authorization: `Bearer ${credentials.tokens.ops}` } })).json()) as {
        queued: number;
        busy: boolean;
      };
      if (s.queued === 0 && !s.busy) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    second.child.kill('SIGINT');
    await exited(second.child);

    // What the database holds equals a clean run of exactly the acknowledged events.
    const expected = await backtest({ config: scenario.config, lines: acknowledged });
    const pipeline = await LocalPipeline.start({ config: undefined, dataDir: dir });
    try {
      let stored = 0n;
      for (const channel of pipeline.config.channels) for (const totals of (await pipeline.aggregates.hours(channel.id)).values()) stored += totals.events;
      expect(Number(stored)).toBe(expected.events.accepted);
    } finally {
      await pipeline.stop();
    }
  }, 240_000);
});
