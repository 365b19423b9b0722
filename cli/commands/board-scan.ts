import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fromItem } from '../../shared/adapters/aws/dynamodb/items';
import type { ImageRecord } from '../../shared/core/domain';

/** The most image rows on one page of the board. */
export const PAGE_ROWS = 200;
/** The most items of the table one page reads, filters that match little included: the page then ends early. */
export const PAGE_SCAN_BUDGET = 2_000;

export interface ScanPage {
  /** The records that passed `keep`, at most `rows`. */
  readonly records: readonly ImageRecord[];
  /** Items of the table evaluated, image records or not. */
  readonly scanned: number;
  /** Where the next page starts; absent when the table is read to its end. */
  readonly next?: string;
}

/** The cursor in a link: DynamoDB's LastEvaluatedKey, base64url JSON of the table's two string keys. */
export const encodeCursor = (key: Record<string, unknown>): string =>
  Buffer.from(JSON.stringify({ pk: key.pk, sk: key.sk }), 'utf8').toString('base64url');

export class CursorError extends Error {
  public constructor() {
    super('cursor is not one this board gave: start again from the first page');
    this.name = 'CursorError';
  }
}

/** @throws CursorError */
export const decodeCursor = (cursor: string): { pk: string; sk: string } => {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof key === 'object' && key !== null) {
      const { pk, sk } = key as Record<string, unknown>;
      if (typeof pk === 'string' && typeof sk === 'string' && pk.length <= 2048 && sk.length <= 1024) {
        return { pk, sk };
      }
    }
  } catch {
    // fall through
  }
  throw new CursorError();
};

/**
 * One page of the verdict table: Scan calls of at most the rows still wanted, so a page never evaluates an item
 * past the one its cursor names, until `rows` records pass `keep` or `budget` items were read. Items that are not
 * image records (`tag#…`, `reconcile#cursor`) are dropped by the Scan's filter and again here.
 */
export const scanPage = async (
  client: Pick<DynamoDBDocumentClient, 'send'>,
  table: string,
  options: {
    readonly cursor?: string;
    readonly rows?: number;
    readonly budget?: number;
    readonly keep: (record: ImageRecord) => boolean;
  },
): Promise<ScanPage> => {
  const rows = options.rows ?? PAGE_ROWS;
  const budget = options.budget ?? PAGE_SCAN_BUDGET;
  const records: ImageRecord[] = [];
  let start: Record<string, unknown> | undefined =
    options.cursor === undefined ? undefined : decodeCursor(options.cursor);
  let scanned = 0;
  do {
    const limit = Math.min(rows - records.length, budget - scanned);
    const answer = await client.send(
      new ScanCommand({
        TableName: table,
        Limit: limit,
        FilterExpression: 'begins_with(pk, :image)',
        ExpressionAttributeValues: { ':image': 'image#' },
        ...(start === undefined ? {} : { ExclusiveStartKey: start }),
      }),
    );
    scanned += answer.ScannedCount ?? limit;
    for (const item of answer.Items ?? []) {
      if (typeof item.pk !== 'string' || !item.pk.startsWith('image#') || !recordShaped(item)) continue;
      const record = fromItem(item);
      if (options.keep(record)) records.push(record);
    }
    start = answer.LastEvaluatedKey;
  } while (start !== undefined && records.length < rows && scanned < budget);
  return { records, scanned, ...(start === undefined ? {} : { next: encodeCursor(start) }) };
};

/** Enough of an ImageRecord to show: a hand-written or half-migrated item is skipped rather than crash the page. */
const recordShaped = (item: Record<string, unknown>): boolean => {
  const image = item.image as Record<string, unknown> | undefined;
  return (
    typeof image === 'object' &&
    image !== null &&
    typeof image.repository === 'string' &&
    typeof image.digest === 'string' &&
    typeof image.registry === 'string' &&
    typeof item.status === 'string' &&
    typeof item.pushedAt === 'string' &&
    typeof item.updatedAt === 'string' &&
    Array.isArray(item.tags) &&
    item.tags.every((tag) => typeof tag === 'string')
  );
};
