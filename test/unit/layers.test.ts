import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The lint fence between layers (eslint.config.js), tried on files that do not exist: ESLint lints the text as if it
// were at that path, so each case proves the rule reaches that depth of the tree.
const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function ruleIds(path: string, text: string): Promise<string[]> {
  const [result] = await eslint.lintText(text, { filePath: path });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('the layer fence', () => {
  it.each([
    ['shared/domain/alerts/deep/x.ts', "import { dynamoAlertStore } from '../../../adapters/alert-store.ts';\nexport const x = dynamoAlertStore;\n"],
    ['shared/domain/alerts/x.ts', "import { dynamoClient } from '../../runtime/clients.ts';\nexport const x = dynamoClient;\n"],
    ['shared/domain/budgets/x.ts', "import { makeAlerting } from '../../app/alerting.ts';\nexport const x = makeAlerting;\n"],
    ['shared/domain/x.ts', "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport const x = DynamoDBClient;\n"],
    ['shared/domain/x.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n"],
    ['events/x.ts', "import { admit } from '../shared/domain/admission.ts';\nexport const x = admit;\n"],
    ['events/nested/x.ts', "import type { AlertStore } from '../../shared/app/ports.ts';\nexport type X = AlertStore;\n"],
    ['shared/kernel/x.ts', "import { SALE } from '../../events/normalised.ts';\nexport const x = SALE;\n"],
    ['shared/app/x.ts', "import { dynamoAlertStore } from '../adapters/alert-store.ts';\nexport const x = dynamoAlertStore;\n"],
  ])('refuses %s importing from a layer above it', async (path, text) => {
    expect(await ruleIds(path, text)).toContain('no-restricted-imports');
  });

  it.each([
    ['shared/domain/alerts/x.ts', 'export const now = () => Date.now();\n', 'no-restricted-properties'],
    ['shared/domain/budgets/deep/x.ts', 'export const now = () => new Date();\n', 'no-restricted-syntax'],
    ['shared/domain/x.ts', 'export const stage = () => process.env.STAGE;\n', 'no-restricted-properties'],
    ['shared/domain/x.ts', 'export const roll = () => Math.random();\n', 'no-restricted-properties'],
    ['events/x.ts', 'export const now = () => Date.now();\n', 'no-restricted-properties'],
  ])('refuses the clock, the environment and randomness in %s', async (path, text, rule) => {
    expect(await ruleIds(path, text)).toContain(rule);
  });

  it('lets each layer import what lies below it', async () => {
    expect(
      await ruleIds(
        'shared/domain/alerts/x.ts',
        "import { formatMoney } from '../../kernel/money.ts';\nimport { SALE } from '../../../events/normalised.ts';\nexport const x = [formatMoney, SALE];\n",
      ),
    ).toEqual([]);
    expect(await ruleIds('events/x.ts', "import { parseInstant } from '../shared/kernel/time.ts';\nexport const x = parseInstant;\n")).toEqual([]);
    expect(
      await ruleIds(
        'shared/app/x.ts',
        "import { admit } from '../domain/admission.ts';\nimport type { AlertStore } from './ports.ts';\nexport type X = AlertStore;\nexport const x = admit;\n",
      ),
    ).toEqual([]);
    expect(await ruleIds('shared/domain/x.ts', 'export const at = (ms: number) => new Date(ms);\n')).toEqual([]);
  });
});
