import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ReconcileCursor, ReconcileCursorStore } from '../../../app/ports/reconcile-cursor';

/** The cursor's item in the verdict table: no image key looks like it (those start `image#` or `tag#`). */
export const CURSOR_KEY = { pk: 'reconcile#cursor', sk: 'cursor' } as const;

export interface DynamoReconcileCursorProps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** The sweep's cursor as one item of the verdict table. One sweep runs at a time (reserved concurrency 1). */
export class DynamoReconcileCursor implements ReconcileCursorStore {
  public constructor(private readonly props: DynamoReconcileCursorProps) {}

  public async load(): Promise<ReconcileCursor | undefined> {
    const { Item } = await this.props.client.send(
      new GetCommand({ TableName: this.props.tableName, Key: CURSOR_KEY, ConsistentRead: true }),
    );
    if (Item === undefined || typeof Item.passStartedAt !== 'string') return undefined;
    const text = (name: string): string | undefined =>
      typeof Item[name] === 'string' ? Item[name] : undefined;
    const repositoriesToken = text('repositoriesToken');
    const repository = text('repository');
    const imagesToken = text('imagesToken');
    const imagesDone = typeof Item.imagesDone === 'number' ? Item.imagesDone : undefined;
    return {
      passStartedAt: Item.passStartedAt,
      ...(repositoriesToken === undefined ? {} : { repositoriesToken }),
      ...(repository === undefined ? {} : { repository }),
      ...(imagesToken === undefined ? {} : { imagesToken }),
      ...(imagesDone === undefined ? {} : { imagesDone }),
    };
  }

  public async save(cursor: ReconcileCursor | undefined): Promise<void> {
    if (cursor === undefined) {
      await this.props.client.send(new DeleteCommand({ TableName: this.props.tableName, Key: CURSOR_KEY }));
      return;
    }
    await this.props.client.send(
      new PutCommand({ TableName: this.props.tableName, Item: { ...CURSOR_KEY, ...cursor } }),
    );
  }
}
