import type { Operation } from '../service';
import type { EcrDeps } from './deps';

/** ECR tokens last 12 hours. */
const TOKEN_LIFETIME_MS = 12 * 60 * 60 * 1000;

/**
 * GetAuthorizationToken: base64 `user:password` for the registry, or `AWS:local` when it is anonymous
 * (an anonymous registry ignores the header). proxyEndpoint is the real registry's URL, so the host in
 * signatures and image references is the one images are served from.
 */
export const authOperations = (
  deps: EcrDeps,
  credentials: { username: string; password: string } | undefined,
): Record<string, Operation> => ({
  GetAuthorizationToken: () => {
    const pair = credentials === undefined ? 'AWS:local' : `${credentials.username}:${credentials.password}`;
    return Promise.resolve({
      authorizationData: [
        {
          authorizationToken: Buffer.from(pair).toString('base64'),
          expiresAt: (deps.context.now().getTime() + TOKEN_LIFETIME_MS) / 1000,
          proxyEndpoint: deps.registry.publicUrl,
        },
      ],
    });
  },
});
