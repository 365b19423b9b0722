/** The calls a set of SDK clients made, counted once per logical call (the SDK's own retries not counted again). */
export interface CallCounter {
  readonly calls: number;
  /** Counts the calls `client` makes from now on; returns it. */
  count<C extends CountableClient>(client: C): C;
}

// Any SDK v3 client: its middleware stack is typed per client, so only its shape is asked for here.
interface CountableClient {
  readonly middlewareStack: { add(middleware: never, options: never): void };
}

type Next = (args: unknown) => Promise<unknown>;

export const callCounter = (): CallCounter => {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    count: (client) => {
      const middleware = (next: Next) => (args: unknown) => {
        calls++;
        return next(args);
      };
      client.middlewareStack.add(
        middleware as never,
        { step: 'initialize', name: 'tollgateCallCounter' } as never,
      );
      return client;
    },
  };
};
