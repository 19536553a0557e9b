import { routeLogsToStderr } from '../../local/quiet-logging.ts';
import { type DynamoLocal, startDynamoLocal } from '../../local/dynamodb-local.ts';
import { LocalPipeline, type PipelineOptions } from '../../local/pipeline.ts';

routeLogsToStderr('CRITICAL');

let tableSeq = 0;

/** One DynamoDB Local per test file (a fresh process: it slows as state accumulates); fresh tables per pipeline. */
export function dynamoLocalPerFile(hooks: { beforeAll: (fn: () => Promise<void>, timeout?: number) => void; afterAll: (fn: () => Promise<void>) => void }) {
  let db: DynamoLocal | undefined;
  hooks.beforeAll(async () => {
    db = await startDynamoLocal();
  }, 60_000);
  hooks.afterAll(async () => {
    await db?.stop();
  });
  return {
    pipeline: (options: Omit<PipelineOptions, 'db' | 'tables'>) => {
      if (!db) throw new Error('DynamoDB Local not started');
      tableSeq += 1;
      return LocalPipeline.start({ ...options, db, tables: { events: `events-${tableSeq}`, state: `state-${tableSeq}` } });
    },
  };
}

export const TWO_CHANNELS = {
  timezone: 'Asia/Shanghai',
  channels: [
    { id: 'a', name: 'Channel A', kind: 'marketplace', currency: 'CNY', budget: { daily: '1000.00' } },
    { id: 'b', name: 'Channel B', kind: 'live_stream', currency: 'CNY', budget: { daily: '1000.00' } },
  ],
};
