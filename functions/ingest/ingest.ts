import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type IngestingDeps, makeIngesting } from '../../shared/app/ingesting.ts';

/**
 * Ingest: SQS batches of EventBridge events in (Powertools' batch processor: partial batch responses); each record
 * goes through the ingesting use case. Only infrastructure errors fail a record, and then only that record: the batch
 * response lists it for SQS to redeliver.
 */
export function makeHandler(deps: IngestingDeps) {
  const ingest = makeIngesting(deps);
  const handleRecord = (record: SQSRecord) => ingest({ messageId: record.messageId, body: record.body, sentAtMs: Number(record.attributes.SentTimestamp) });
  const processor = new BatchProcessor(EventType.SQS);
  return middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => processPartialResponse(event, handleRecord, processor, { context }))
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics));
}
