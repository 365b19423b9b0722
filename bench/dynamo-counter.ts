import type { Server } from 'node:http';
import type { CallCounts } from '../local/registry-front';

export interface DynamoCallCounter {
  /** Calls by `dynamodb:<Operation>` since the last reset. */
  readonly calls: () => CallCounts;
  readonly reset: () => void;
}

/**
 * Counts every request dynalite serves, by its `X-Amz-Target`. dynalite runs in this process (local/dynamo.ts)
 * and its endpoint is handed to the functions directly, so the count is taken on its server: the module is
 * replaced in the require cache by a wrapper that listens to each server it creates. Call before
 * local/dynamo.ts is loaded; the bench's own Dynamo calls (creating tables) happen before any reset.
 */
export const countDynaliteCalls = (): DynamoCallCounter => {
  let counts = new Map<string, number>();
  const id = require.resolve('dynalite');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS export is what is wrapped
  const original = require('dynalite') as (options: unknown) => Server;
  const cached = require.cache[id];
  if (cached === undefined) throw new Error('dynalite is not in the require cache');
  cached.exports = (options: unknown): Server => {
    const server = original(options);
    server.on('request', (request: { headers: Record<string, unknown> }) => {
      const target = request.headers['x-amz-target'];
      const operation = typeof target === 'string' ? target.slice(target.lastIndexOf('.') + 1) : 'unknown';
      const key = `dynamodb:${operation}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    });
    return server;
  };
  return {
    calls: () => Object.fromEntries(counts),
    reset: () => {
      counts = new Map();
    },
  };
};
