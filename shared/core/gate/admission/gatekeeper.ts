import type { ResolvedAdmissionOptions } from './options';
import { allowedRepoPrefixes } from './patterns';

/**
 * A Gatekeeper K8sAllowedRepos constraint (gatekeeper-library `k8sallowedrepos`): pods may pull only from the
 * registry and repositories Tollgate covers. It does not check signatures; it closes the other door, images from
 * anywhere else. Pair it with a signature policy from another engine.
 */
export const gatekeeperAllowedRepos = (
  options: ResolvedAdmissionOptions,
): { readonly constraint: Record<string, unknown>; readonly widened: readonly string[] } => {
  const translated = options.repositories.map((glob) => ({
    glob,
    ...allowedRepoPrefixes(options.registry, glob),
  }));
  return {
    constraint: {
      apiVersion: 'constraints.gatekeeper.sh/v1beta1',
      kind: 'K8sAllowedRepos',
      metadata: { name: options.name },
      spec: {
        enforcementAction: options.mode === 'enforce' ? 'deny' : 'dryrun',
        match: {
          kinds: [{ apiGroups: [''], kinds: ['Pod'] }],
          // The control plane's own images come from elsewhere; never lock the cluster out of itself.
          excludedNamespaces: ['kube-system', 'gatekeeper-system'],
        },
        parameters: { repos: [...new Set(translated.flatMap((entry) => entry.prefixes))] },
      },
    },
    widened: translated.filter((entry) => entry.widened).map((entry) => entry.glob),
  };
};
