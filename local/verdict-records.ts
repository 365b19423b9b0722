import { FUNCTION_ENV } from '../shared/core/env-contract';
import { decisionOrigin, type DecisionOrigin } from '../shared/core/domain/origin';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalDeployment } from './template';

/** The environment variable the Tollgate construct names the verdict table in (infra/tollgate.ts). */

/** What the summary needs of one verdict-table item (shared/adapters/aws/dynamodb/items.ts is the writer). */
export interface VerdictRecordView {
  readonly status: string;
  readonly tags: readonly string[];
  readonly outcome?: string;
  readonly reasons: readonly string[];
  readonly signatures: readonly { readonly format: string; readonly reference: string }[];
  /** How the pipeline was started: by ECR's push event, or by the sweep finding an image no event brought. */
  readonly decidedBy: DecisionOrigin;
}

/**
 * Reads verdict records with the real SDK against dynalite, by the key layout the functions write:
 * pk `image#<repository>@<digest>`, sk `verdict`.
 */
export class VerdictRecords {
  readonly #client: DynamoDBDocumentClient;

  public constructor(
    client: DynamoDBClient,
    /** The verdict table's local name; undefined when the template has none. */
    public readonly tableName: string | undefined,
  ) {
    this.#client = DynamoDBDocumentClient.from(client);
  }

  public async read(repository: string, digest: string): Promise<VerdictRecordView | undefined> {
    if (this.tableName === undefined) return undefined;
    const { Item } = await this.#client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: `image#${repository}@${digest}`, sk: 'verdict' },
      }),
    );
    if (Item === undefined) return undefined;
    const verdict = Item.verdict as { outcome?: unknown; reasons?: unknown } | undefined;
    const signatures = Array.isArray(Item.signatures) ? (Item.signatures as unknown[]) : [];
    return {
      status: typeof Item.status === 'string' ? Item.status : 'UNKNOWN',
      tags: Array.isArray(Item.tags) ? (Item.tags as unknown[]).filter((tag) => typeof tag === 'string') : [],
      ...(typeof verdict?.outcome === 'string' ? { outcome: verdict.outcome } : {}),
      reasons: Array.isArray(verdict?.reasons)
        ? verdict.reasons.filter((reason) => typeof reason === 'string')
        : [],
      decidedBy: decisionOrigin(typeof Item.correlationId === 'string' ? Item.correlationId : undefined),
      signatures: signatures.flatMap((signature) => {
        const { format, reference } = (signature ?? {}) as { format?: unknown; reference?: unknown };
        return typeof format === 'string' && typeof reference === 'string' ? [{ format, reference }] : [];
      }),
    };
  }
}

/** The verdict table: the one the functions are told to use, else one keyed pk + sk. */
export const verdictTableOf = (deployment: LocalDeployment): string | undefined => {
  for (const fn of deployment.functions) {
    const name = fn.environment[FUNCTION_ENV.table];
    if (name !== undefined) return name;
  }
  return deployment.tables.find(
    (table) =>
      table.keySchema.some((key) => key.AttributeName === 'pk' && key.KeyType === 'HASH') &&
      table.keySchema.some((key) => key.AttributeName === 'sk' && key.KeyType === 'RANGE'),
  )?.tableName;
};
