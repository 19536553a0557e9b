import type { AttributeValue, DynamoDBClient, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { itemSize, writeUnits } from '../shared/adapters/item-size.ts';

/**
 * Counts what a DynamoDB client sends, by DynamoDB's billing rules rather than by what DynamoDB Local reports
 * (it misreports transactions): a standard write costs ceil(size / 1 KB) units, a transactional one twice that,
 * a failed conditional write still costs its units. Updates are billed on the item's size after the update,
 * which `updatedItemBytes` supplies (the bench checks it against the real items afterwards).
 */
export class WriteMeter {
  writeRequests = 0;
  writeUnits = 0;
  readRequests = 0;
  /** Read capacity units of GetItem, Query and Scan, as DynamoDB (Local) reports them consumed. */
  readUnits = 0;
  /** Writes per item key (`pk|sk`), to find the hottest aggregate item. */
  readonly writesPerItem = new Map<string, number>();
  /** Write units of rule evaluation's own bookkeeping (alert states, outbox, channel status, rules checkpoints). */
  alertingUnits = 0;

  constructor(private readonly updatedItemBytes: number) {}

  attach(client: DynamoDBClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? '';
        const input = args.input as Record<string, unknown>;
        this.observe(command, input);
        if (!READS.has(command)) return next(args);
        // Reads are billed as DynamoDB reports them (4 KB units, halved when eventually consistent): DynamoDB Local
        // computes read capacity like DynamoDB does; only its transaction figures are wrong.
        input.ReturnConsumedCapacity = 'TOTAL';
        const result = await next(args);
        this.readUnits += (result.output as { ConsumedCapacity?: { CapacityUnits?: number } }).ConsumedCapacity?.CapacityUnits ?? 0;
        return result;
      },
      { step: 'initialize', name: 'writeMeter' },
    );
  }

  detach(client: DynamoDBClient): void {
    client.middlewareStack.remove('writeMeter');
  }

  private touch(key: Record<string, AttributeValue> | undefined) {
    const id = `${key?.pk?.S}|${key?.sk?.S ?? ''}`;
    this.writesPerItem.set(id, (this.writesPerItem.get(id) ?? 0) + 1);
  }

  private observe(command: string, input: Record<string, unknown>) {
    switch (command) {
      case 'PutItemCommand': {
        const item = input.Item as Record<string, AttributeValue>;
        const units = writeUnits(itemSize(item), false);
        if (isAlerting(item.pk?.S)) {
          this.alertingUnits += units;
          break;
        }
        this.writeRequests += 1;
        this.writeUnits += units;
        break;
      }
      case 'UpdateItemCommand':
        this.writeRequests += 1;
        this.writeUnits += writeUnits(this.updatedItemBytes, false);
        this.touch(input.Key as Record<string, AttributeValue>);
        break;
      case 'TransactWriteItemsCommand': {
        const items = input.TransactItems as TransactWriteItem[];
        if (items.every((entry) => isAlerting((entry.Put?.Item ?? entry.Update?.Key)?.pk?.S))) {
          for (const entry of items) this.alertingUnits += writeUnits(entry.Put ? itemSize(entry.Put.Item ?? {}) : this.updatedItemBytes, true);
          break;
        }
        this.writeRequests += 1;
        for (const entry of items) {
          if (entry.Put) this.writeUnits += writeUnits(itemSize(entry.Put.Item ?? {}), true);
          if (entry.Update) {
            this.writeUnits += writeUnits(this.updatedItemBytes, true);
            this.touch(entry.Update.Key);
          }
          if (entry.ConditionCheck || entry.Delete) this.writeUnits += writeUnits(1, true);
        }
        break;
      }
      case 'GetItemCommand':
      case 'QueryCommand':
      case 'ScanCommand':
        this.readRequests += 1;
        break;
      default:
        break;
    }
  }

  /** Writes to the most-written aggregate item (keys starting `AGG#`). */
  hottestAggregateWrites(): number {
    return Math.max(0, ...[...this.writesPerItem.entries()].filter(([k]) => k.startsWith('AGG#')).map(([, n]) => n));
  }
}

const READS = new Set(['GetItemCommand', 'QueryCommand', 'ScanCommand']);

/** Items of rule evaluation (not of storing and aggregating events): billed in their own column. */
function isAlerting(pk: string | undefined): boolean {
  return pk !== undefined && (pk.startsWith('ALERT#') || pk.startsWith('OUTBOX#') || pk.startsWith('CKPT#rules:'));
}
