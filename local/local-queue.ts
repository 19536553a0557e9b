import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export interface QueuedMessage {
  readonly messageId: string;
  readonly body: string;
  /** When the queue received it (SQS's SentTimestamp), epoch ms. */
  readonly sentAtMs: number;
}

export type SqsBatchInvoker = (event: SQSEvent) => Promise<SQSBatchResponse>;

export interface DeliveryReport {
  readonly delivered: number;
  /** Deliveries beyond the first (redeliveries after a failed record or a thrown batch). */
  readonly redeliveries: number;
  /** Messages that failed `maxReceiveCount` times and were moved to the dead-letter list. */
  readonly deadLettered: QueuedMessage[];
}

/**
 * The local stand-in for an SQS queue with a Lambda consumer and a redrive policy: delivers a batch, redelivers
 * exactly the records the handler reported as failed (or the whole batch if it threw), and moves a message to
 * the dead-letter list after `maxReceiveCount` receives, as SQS would.
 */
export async function deliverBatch(
  messages: readonly QueuedMessage[],
  invoke: SqsBatchInvoker,
  maxReceiveCount = 5,
  queueArn = 'arn:aws:sqs:local:000000000000:ingest',
): Promise<DeliveryReport> {
  const receives = new Map<string, number>();
  const deadLettered: QueuedMessage[] = [];
  let pending = [...messages];
  let delivered = 0;
  while (pending.length > 0) {
    const records: SQSRecord[] = pending.map((m) => {
      const count = (receives.get(m.messageId) ?? 0) + 1;
      receives.set(m.messageId, count);
      return {
        messageId: m.messageId,
        receiptHandle: `${m.messageId}#${count}`,
        body: m.body,
        attributes: {
          ApproximateReceiveCount: String(count),
          SentTimestamp: String(m.sentAtMs),
          SenderId: 'local',
          ApproximateFirstReceiveTimestamp: String(m.sentAtMs),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: 'local',
      };
    });
    delivered += records.length;
    let failedIds: Set<string>;
    try {
      const response = await invoke({ Records: records });
      failedIds = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    } catch {
      failedIds = new Set(pending.map((m) => m.messageId));
    }
    const failed = pending.filter((m) => failedIds.has(m.messageId));
    deadLettered.push(...failed.filter((m) => (receives.get(m.messageId) ?? 0) >= maxReceiveCount));
    pending = failed.filter((m) => (receives.get(m.messageId) ?? 0) < maxReceiveCount);
  }
  return { delivered, redeliveries: delivered - messages.length, deadLettered };
}
