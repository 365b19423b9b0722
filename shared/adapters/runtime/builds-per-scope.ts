import { scopePrefix, type ImageScope } from '../../core/domain/image-scope';

/**
 * One build per scope (the hub's is ''), in progress or done, for the execution environment. A build that fails is
 * forgotten, so the next invocation builds again and reports the same error with its own event. `S` is
 * `ImageScope` alone where there is no hub's build (a spoke's client).
 */
export const buildsPerScope = <T, S extends ImageScope | undefined = ImageScope | undefined>(
  build: (scope: S) => Promise<T>,
): { readonly get: (scope: S) => Promise<T>; readonly clear: () => void } => {
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
