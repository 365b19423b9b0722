import { COSIGN_VULN_PREDICATE } from '../../formats/payload/statement';
import type { ResolvedAdmissionOptions } from './options';
import { policyControllerGlobs } from './patterns';

/** The namespace opt-in policy-controller needs; the generated file repeats it as a comment. */
export const POLICY_CONTROLLER_NAMESPACE_LABEL = 'policy.sigstore.dev/include';

/**
 * A sigstore policy-controller ClusterImagePolicy (policy.sigstore.dev/v1beta1) with one `key` authority. A key
 * authority without `ctlog` skips the transparency log, which is what a private KMS key needs. It reads the
 * legacy `.sig` (its bundle format is keyless-only), and attestations from the legacy `.att` tag, where Tollgate
 * writes a copy of the vulnerability attestation.
 *
 * policy-controller checks an authority's attestations instead of its signatures, and admits an image when any
 * one authority is satisfied; a second authority for the attestation would make it optional. So with an
 * attestation requirement the one authority checks the attestation: Tollgate signs it with the same key, for the
 * same digest, only when it signs the image, and it also proves the verdict and its age.
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
    // One authority per trusted key: policy-controller admits an image when any one authority is satisfied.
    authorities: options.publicKeyPems.map((pem, index) => ({
      name: index === 0 ? 'tollgate' : `tollgate-${index + 1}`,
      key: { data: pem, hashAlgorithm: 'sha256' },
      ...(options.attestation === undefined
        ? {}
        : {
            attestations: [
              {
                name: 'vuln',
                // The full URI: cosign's `vuln` short name would re-read the statement through its
                // CosignVulnStatement struct first; the URI hands the policy the statement as signed.
                predicateType: COSIGN_VULN_PREDICATE,
                policy: { type: 'rego', data: vulnAttestationRego(options.attestation.maxAgeMs) },
              },
            ],
          }),
    })),
    mode: options.mode === 'enforce' ? 'enforce' : 'warn',
  },
});

/**
 * The attestation policy, in the Rego v0 dialect policy-controller evaluates (cosign pkg/cosign/rego,
 * ValidateJSONWithModuleInput: `package sigstore`, rule `isCompliant`), over the signed in-toto statement: the
 * verdict APPROVED, the scan at most `maxAgeMs` old and not more than 5 minutes in the future, as
 * `tollgate verify --max-age` judges it.
 */
export const vulnAttestationRego = (maxAgeMs: number): string =>
  [
    'package sigstore',
    '',
    'default isCompliant = false',
    '',
    'isCompliant {',
    `  input.predicateType == "${COSIGN_VULN_PREDICATE}"`,
    '  input.predicate.scanner.result.verdict == "APPROVED"',
    '  finished := time.parse_rfc3339_ns(input.predicate.metadata.scanFinishedOn)',
    `  time.now_ns() - finished <= ${BigInt(maxAgeMs) * 1_000_000n}`,
    `  finished - time.now_ns() <= ${5n * 60n * 1_000_000_000n}`,
    '}',
    '',
  ].join('\n');
