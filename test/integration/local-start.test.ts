import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startCommand } from '../../cli/local-commands.ts';
import './harness.ts';

// The README's own commands use relative data directories (.sentinel/data): they must resolve against the caller's
// directory, not DynamoDB Local's (it runs in the jar's folder), and a restart must keep what was configured.
const dir = join('test-artifacts', `local-start-${process.pid}`);
const config = {
  timezone: 'Asia/Shanghai',
  channels: [{ id: 'own-shop', name: 'Our own shop', kind: 'own_store', currency: 'CNY', budget: { daily: '1000.00' } }],
};
const load = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as unknown;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm start on a relative data directory', () => {
  it('keeps the database where the user said, and the stored configuration across a restart without --config', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const configPath = join('test-artifacts', `local-start-${process.pid}.json`);
      writeFileSync(configPath, JSON.stringify(config));
      const first = await startCommand(['--data', dir, '--port', '0', '--config', configPath], load);
      await first.stop();
      rmSync(configPath);
      expect(readdirSync(resolve(dir)).some((file) => file.endsWith('.db'))).toBe(true);

      const second = await startCommand(['--data', dir, '--port', '0'], load);
      try {
        expect(second.pipeline.config.channels.map((c) => c.id)).toEqual(['own-shop']);
      } finally {
        await second.stop();
      }
    } finally {
      vi.restoreAllMocks();
    }
    expect(existsSync(resolve(dir))).toBe(true);
  }, 120_000);
});
