import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ACCESS_KEY_FILE, type DynamoLocal, startDynamoLocal } from '../../local/dynamodb-local.ts';
import './harness.ts';

// DynamoDB Local has no authentication and no bind option: what keeps the embedded database to its user is an access
// key nobody else knows (DynamoDB Local keeps a database per key) and CORS closed to every web page.
const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-exposure-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function withDb<T>(options: { dataDir?: string }, work: (db: DynamoLocal) => Promise<T>): Promise<T> {
  const db = await startDynamoLocal(options);
  try {
    return await work(db);
  } finally {
    await db.stop();
  }
}

const table = {
  TableName: 'secrets',
  BillingMode: 'PAY_PER_REQUEST' as const,
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' as const }],
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }],
};
const intruder = (endpoint: string, accessKeyId: string) =>
  new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId, secretAccessKey: 'x' }, maxAttempts: 1 });

describe('the embedded DynamoDB Local answers only its user', () => {
  it('shows another client — the old fixed key, any guess — an empty database', async () => {
    await withDb({}, async (db) => {
      await db.dynamo.send(new CreateTableCommand(table));
      expect((await db.dynamo.send(new ListTablesCommand({}))).TableNames).toEqual(['secrets']);
      for (const key of ['sentinel', 'AKIAIOSFODNN7EXAMPLE', 'local'])
        expect((await intruder(db.endpoint, key).send(new ListTablesCommand({}))).TableNames).toEqual([]);
    });
  }, 60_000);

  it('grants CORS to no web page (pinned by an explicit allow-list, not left to the default)', async () => {
    await withDb({}, async (db) => {
      const preflight = (origin: string) =>
        fetch(db.endpoint, {
          method: 'OPTIONS',
          headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
        });
      // The allow-list is live (its one origin, which cannot exist, is granted) and names nothing else.
      expect((await preflight('https://sentinel.invalid')).headers.get('access-control-allow-origin')).toBe('https://sentinel.invalid');
      for (const origin of ['http://evil.example', 'http://127.0.0.1:8787', 'null']) {
        const allowed = (await preflight(origin)).headers.get('access-control-allow-origin');
        expect(allowed === '*' || allowed === origin, origin).toBe(false);
      }
    });
  }, 60_000);

  it('keeps a data directory’s key in an owner-only file, and adopts a database written under the old fixed key', async () => {
    const dir = dataDir();
    await withDb({ dataDir: dir }, (db) => db.dynamo.send(new CreateTableCommand(table)));
    const keyFile = join(dir, ACCESS_KEY_FILE);
    expect(statSync(keyFile).mode & 0o077).toBe(0);
    const key = readFileSync(keyFile, 'utf8').trim();
    // The same directory again: the same key, the same tables.
    await withDb({ dataDir: dir }, async (db) => expect((await db.dynamo.send(new ListTablesCommand({}))).TableNames).toEqual(['secrets']));
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);

    // A directory from before per-directory keys: its sentinel_local.db is the user's data and stays theirs.
    const legacy = dataDir();
    await withDb({ dataDir: legacy }, (db) => db.dynamo.send(new CreateTableCommand(table)));
    const current = readFileSync(join(legacy, ACCESS_KEY_FILE), 'utf8').trim();
    rmSync(join(legacy, ACCESS_KEY_FILE));
    writeFileSync(join(legacy, 'sentinel_local.db'), readFileSync(join(legacy, `${current}_local.db`)));
    rmSync(join(legacy, `${current}_local.db`));
    await withDb({ dataDir: legacy }, async (db) => expect((await db.dynamo.send(new ListTablesCommand({}))).TableNames).toEqual(['secrets']));
    expect(existsSync(join(legacy, 'sentinel_local.db'))).toBe(false);
  }, 120_000);
});
