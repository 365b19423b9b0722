import { mkdirSync } from 'node:fs';
import type { Server, ServerResponse } from 'node:http';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { LocalStackError } from './errors';
import { freePort } from './ports';
import type { LocalTable } from './template';

export interface DynamoOptions {
  /**
   * Folder for dynalite's LevelDB files, so verdicts survive a restart.
   * @default in memory
   */
  readonly dataDir?: string;
  /** @default a free port on 127.0.0.1 */
  readonly port?: number;
  /** Credentials and region for the admin client; dynalite checks neither. */
  readonly region: string;
}

export interface RunningDynamo {
  /** `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL_DYNAMODB`. */
  readonly endpoint: string;
  /** An SDK client bound to it (the same client code the functions use). */
  readonly client: DynamoDBClient;
  /** Creates the tables, skipping those that already exist (a persistent state folder). */
  readonly createTables: (tables: readonly LocalTable[]) => Promise<void>;
  readonly stop: () => Promise<void>;
}

/** DynamoDB on dynalite, on loopback, with tables created through the real SDK's CreateTable. */
export const startDynamo = async (options: DynamoOptions): Promise<RunningDynamo> => {
  if (options.dataDir !== undefined) mkdirSync(options.dataDir, { recursive: true });
  // Tables are ACTIVE at once: the 500 ms dynalite simulates by default only slows the start down.
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.dataDir === undefined ? {} : { path: options.dataDir }),
  });
  // dynalite throws (uncaught) when a request is still being served as its database closes, which
  // happens when a function is stopped mid-call: stop() waits for the requests in flight first.
  const inFlight = new Set<object>();
  server.on('request', (_request, response: ServerResponse) => {
    inFlight.add(response);
    response.once('finish', () => inFlight.delete(response));
  });
  const port = await listen(server, options.port);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: options.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    endpoint,
    client,
    createTables: async (tables) => {
      for (const table of tables) await createTable(client, table);
    },
    stop: async () => {
      client.destroy();
      const deadline = Date.now() + 3000;
      while (inFlight.size > 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

const listen = async (server: Server, requested: number | undefined): Promise<number> => {
  for (let attempt = 0; ; attempt++) {
    const port = requested ?? (await freePort());
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
      return port;
    } catch (error) {
      // A free port can be taken between asking and binding; only a port the user chose is final.
      if (requested !== undefined || attempt >= 4) {
        throw new LocalStackError(
          `DynamoDB (dynalite) could not listen on 127.0.0.1:${port}: ${(error as Error).message}`,
          requested === undefined ? 'check that loopback networking works' : 'pick another port',
          { cause: error },
        );
      }
    }
  }
};

const createTable = async (client: DynamoDBClient, table: LocalTable): Promise<void> => {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: table.tableName,
        KeySchema: table.keySchema.map((key) => ({ ...key })),
        AttributeDefinitions: table.attributeDefinitions.map((attribute) => ({ ...attribute })),
        // dynalite ignores billing; TTL and encryption have no local meaning.
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table.tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new LocalStackError(
    `DynamoDB table ${table.tableName} did not become ACTIVE`,
    'remove the state folder (--state) and start again',
  );
};
