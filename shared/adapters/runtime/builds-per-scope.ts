import { scopePrefix, type ImageScope } from '../../core/domain/image-scope';

/**
 * One build per scope (the hub's is ''), in progress or done, for the execution environment. A build that fails is
 * forgotten, so the next invocation builds again and reports the same error with its own event.
 */
export const buildsPerScope = <T>(
  build: (scope: ImageScope | undefined) => Promise<T>,
): { readonly get: (scope: ImageScope | undefined) => Promise<T>; readonly clear: () => void } => {
  const built = new Map<string, Promise<T>>();
  return {
    get: (scope) => {
      const key = scopePrefix(scope);
      let pending = built.get(key);
      if (pending === undefined) {
        pending = build(scope).catch((error: unknown) => {
          built.delete(key);
          throw error;
        });
        built.set(key, pending);
      }
      return pending;
    },
    clear: () => built.clear(),
  };
};
