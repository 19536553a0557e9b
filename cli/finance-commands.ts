/**
 * `sentinel proposals …` and `sentinel budgets`: the finance review against a local database (a `--data`
 * directory written by `sentinel replay --data` or the long-running local mode), through the very handler the
 * stack deploys behind its HTTP API — same validation, same answers, same audit trail.
 */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { FINANCE_ROLE, LocalPipeline } from '../local/pipeline.ts';
import { DataDirInUseError, lockDataDir } from '../local/server.ts';
import { parseInstant } from '../shared/kernel/time.ts';
import { type BudgetsView, describeBudgets, describeProposal, describeProposalList, type ProposalView } from './proposal-text.ts';

export const DEFAULT_DATA_DIR = '.sentinel/data';

/** A command the API refused: message and exit status (2 bad request / not found, 3 conflict). */
export class ReviewRefused extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export async function withDatabase<T>(dataDir: string, run: (pipeline: LocalPipeline) => Promise<T>): Promise<T> {
  if (!existsSync(dataDir))
    throw new ReviewRefused(`no local database at ${dataDir}: run "sentinel replay --data ${dataDir} …" (or the local server) first`, 2);
  // One process per data directory, as for the server: the embedded runtime assumes it is its database's only writer,
  // and two DynamoDB Local processes on one file are not something it promises anything about.
  let release: () => void;
  try {
    release = lockDataDir(dataDir);
  } catch (error) {
    if (error instanceof DataDirInUseError)
      throw new ReviewRefused(`${error.message}; while a server runs, use its console or API (npm start printed the address)`, 2);
    throw error;
  }
  try {
    const pipeline = await LocalPipeline.start({ config: undefined, dataDir, shortLived: true });
    try {
      return await run(pipeline);
    } finally {
      await pipeline.stop();
    }
  } finally {
    release();
  }
}

export function answer(response: { statusCode?: number; body?: string }): Record<string, unknown> {
  const body = JSON.parse(response.body ?? '{}') as Record<string, unknown>;
  const status = response.statusCode ?? 500;
  if (status === 409) throw new ReviewRefused(`refused (${String(body.error)}): ${String(body.message)}`, 3);
  if (status >= 400) throw new ReviewRefused(`${String(body.error ?? status)}: ${String(body.message ?? '')}`, status >= 500 ? 1 : 2);
  return body;
}

export async function proposalsCommand(args: string[], write: (text: string) => void): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      data: { type: 'string' },
      status: { type: 'string' },
      reviewer: { type: 'string' },
      reason: { type: 'string' },
      at: { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: true,
  });
  const [action, id] = positionals;
  const dataDir = values.data ?? DEFAULT_DATA_DIR;
  const print = (body: unknown, text: string) => write(`${values.json ? JSON.stringify(body, null, 2) : text}\n`);
  await withDatabase(dataDir, async (pipeline) => {
    if (values.at !== undefined) {
      const at = parseInstant(values.at);
      if (at === null) throw new ReviewRefused(`--at must be an ISO 8601 time with an offset, got "${values.at}"`, 2);
      pipeline.nowMs = at;
    } else pipeline.nowMs = Date.now();
    // Locally the person at the keyboard is the reviewer; the deployed API takes the identity from its authoriser.
    const reviewer = values.reviewer ?? userInfo().username;
    const caller = { principal: reviewer, roles: [FINANCE_ROLE] };
    switch (action) {
      case 'list': {
        const body = answer(
          await pipeline.finance({ method: 'GET', path: '/proposals', ...(values.status ? { query: { status: values.status } } : {}), caller }),
        );
        print(body, describeProposalList(body.proposals as ProposalView[]));
        return;
      }
      case 'show':
      case 'approve':
      case 'reject': {
        if (!id) throw new ReviewRefused(`proposals ${action} needs a proposal id`, 2);
        const path = `/proposals/${encodeURIComponent(id)}`;
        if (action === 'show') {
          const body = answer(await pipeline.finance({ method: 'GET', path, caller }));
          print(body, describeProposal(body as unknown as ProposalView));
          return;
        }
        if (action === 'reject' && !values.reason) throw new ReviewRefused('proposals reject needs --reason TEXT', 2);
        const body = answer(
          await pipeline.finance({ method: 'POST', path: `${path}/${action}`, body: JSON.stringify(values.reason ? { reason: values.reason } : {}), caller }),
        );
        print(body, `${body.repeated ? '(already decided this way — the first outcome stands)\n' : ''}${describeProposal(body as unknown as ProposalView)}`);
        return;
      }
      default:
        throw new ReviewRefused(`proposals needs one of: list, show ID, approve ID, reject ID --reason TEXT`, 2);
    }
  });
}

export async function budgetsCommand(args: string[], write: (text: string) => void): Promise<void> {
  const { values } = parseArgs({ args, options: { data: { type: 'string' }, json: { type: 'boolean' } }, strict: true, allowPositionals: false });
  await withDatabase(values.data ?? DEFAULT_DATA_DIR, async (pipeline) => {
    const body = answer(await pipeline.finance({ method: 'GET', path: '/budgets', caller: { principal: userInfo().username, roles: [FINANCE_ROLE] } }));
    write(`${values.json ? JSON.stringify(body, null, 2) : describeBudgets(body as unknown as BudgetsView)}\n`);
  });
}
