import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * Size of a DynamoDB item by DynamoDB's published rules (UTF-8 attribute names and strings, numbers at roughly
 * one byte per two significant digits plus one, fixed overheads for collections), the basis of write-unit
 * accounting: a standard write costs ceil(size / 1 KB) units, a transactional one twice that.
 */
export function itemSize(item: Record<string, AttributeValue>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

function numberSize(text: string): number {
  const digits = text.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((s, v) => s + Buffer.byteLength(v), 0);
  if (value.NS) return value.NS.reduce((s, v) => s + numberSize(v), 0);
  if (value.BS) return value.BS.reduce((s, v) => s + v.byteLength, 0);
  if (value.L) return 3 + value.L.reduce((s, v) => s + 1 + valueSize(v), 0);
  if (value.M) return 3 + Object.entries(value.M).reduce((s, [k, v]) => s + 1 + Buffer.byteLength(k) + valueSize(v), 0);
  return 0;
}

/** Write units of one write of an item of `bytes` bytes. */
export function writeUnits(bytes: number, transactional: boolean): number {
  return Math.max(1, Math.ceil(bytes / 1024)) * (transactional ? 2 : 1);
}
