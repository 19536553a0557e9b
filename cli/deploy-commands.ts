/**
 * Commands for a deployed stack: store the configuration in its state table, and sign a webhook body for curl.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { storeConfig } from '../shared/adapters/config-store.ts';
import { describeProblems, parseConfig } from '../shared/domain/config.ts';
import { HEADERS } from '../events/webhook.ts';
import { signatureOf } from '../shared/security/signature.ts';

export class CommandError extends Error {}

/** A file the user named, or a plain refusal (exit 2) saying which and why. */
function readUserFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CommandError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
}

/** `sentinel config push --table NAME --config FILE [--region R]`: validated as a whole, stored, or refused. */
export async function configPushCommand(args: string[], write: (text: string) => void): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { table: { type: 'string' }, config: { type: 'string' }, region: { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  if (positionals[0] !== 'push' || !values.table || !values.config)
    throw new CommandError('usage: sentinel config push --table STATE_TABLE --config FILE [--region REGION]');
  let document: unknown;
  try {
    document = JSON.parse(readUserFile(values.config, 'configuration'));
  } catch (error) {
    if (error instanceof CommandError) throw error;
    throw new CommandError(`configuration ${values.config} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  // Refused as a whole, with every problem listed, before anything reaches the table.
  const parsed = parseConfig(document);
  if (!parsed.ok) throw new CommandError(`configuration ${values.config} refused, nothing stored:\n${describeProblems(parsed.problems)}`);
  const client = new DynamoDBClient(values.region ? { region: values.region } : {});
  const config = await storeConfig(client, values.table, document, Date.now());
  write(`stored configuration (${config.channels.length} channels, timezone ${config.timezone}) in ${values.table}\n`);
}

/** `sentinel sign --secret S (--body FILE | --data TEXT) [--producer ID]`: the headers a producer sends, for curl. */
export function signCommand(args: string[], write: (text: string) => void, nowMs = Date.now()): void {
  const { values } = parseArgs({
    args,
    options: { secret: { type: 'string' }, body: { type: 'string' }, data: { type: 'string' }, producer: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  if (!values.secret || (values.body === undefined) === (values.data === undefined))
    throw new CommandError('usage: sentinel sign --secret SECRET (--body FILE | --data TEXT) [--producer ID]');
  const raw = values.body !== undefined ? readUserFile(values.body, 'body file') : (values.data as string);
  const timestamp = String(Math.floor(nowMs / 1000));
  if (values.producer) write(`${HEADERS.producer}: ${values.producer}\n`);
  write(`${HEADERS.timestamp}: ${timestamp}\n${HEADERS.signature}: ${signatureOf(values.secret, timestamp, raw)}\n`);
}
