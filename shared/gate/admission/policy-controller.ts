import type { ResolvedAdmissionOptions } from './options';
import { policyControllerGlobs } from './patterns';

/** The namespace opt-in policy-controller needs; the generated file repeats it as a comment. */
export const POLICY_CONTROLLER_NAMESPACE_LABEL = 'policy.sigstore.dev/include';

/**
 * A sigstore policy-controller ClusterImagePolicy (policy.sigstore.dev/v1beta1) with one `key` authority. A key
 * authority without `ctlog` skips the transparency log, which is what a private KMS key needs. It reads the
 * legacy `.sig` only (its bundle format is keyless-only), so there is no attestation requirement here.
 */
export const policyControllerClusterImagePolicy = (
  options: ResolvedAdmissionOptions,
): Record<string, unknown> => ({
  apiVersion: 'policy.sigstore.dev/v1beta1',
  kind: 'ClusterImagePolicy',
  metadata: { name: options.name },
  spec: {
    images: options.repositories
      .flatMap((glob) => policyControllerGlobs(options.registry, glob))
      .map((glob) => ({ glob })),
    authorities: [{ name: 'tollgate', key: { data: options.publicKeyPem, hashAlgorithm: 'sha256' } }],
    mode: options.mode === 'enforce' ? 'enforce' : 'warn',
  },
});
