import { goDuration } from '../duration';
import { COSIGN_VULN_PREDICATE } from '../../formats/payload/statement';
import type { ResolvedAdmissionOptions } from './options';
import { wildcardReferences } from './patterns';
import { minimumVersion } from './versions';

/**
 * A Kyverno ClusterPolicy (kyverno.io/v1). The signature rule is `type: Cosign` and reads the legacy `.sig`;
 * the optional attestation rule is `type: SigstoreBundle`, which reads Tollgate's v0.3 bundle referrers. Both
 * trust the key alone: `rekor.ignoreTlog` and `ctlog.ignoreSCT`, because a private KMS key's signatures have no
 * transparency-log entry and without them every image would be refused.
 */
export const kyvernoClusterPolicy = (options: ResolvedAdmissionOptions): Record<string, unknown> => {
  const enforce = options.mode === 'enforce';
  const action = enforce ? 'Enforce' : 'Audit';
  const imageReferences = options.repositories.flatMap((glob) => wildcardReferences(options.registry, glob));
  // One entry per trusted key; `count: 1`: any one of them signing is enough.
  const attestor = {
    count: 1,
    entries: options.publicKeyPems.map((pem) => ({
      signatureAlgorithm: 'sha256',
      keys: {
        publicKeys: pem,
        rekor: { url: 'https://rekor.sigstore.dev', ignoreTlog: true },
        ctlog: { ignoreSCT: true },
      },
    })),
  };
  const common = {
    imageReferences,
    failureAction: action,
    // Kyverno refuses mutateDigest with Audit; in Enforce it pins the tag to the digest it verified.
    mutateDigest: enforce,
    verifyDigest: enforce,
    required: true,
    imageRegistryCredentials: { providers: ['amazon'] },
  };
  const match = { any: [{ resources: { kinds: ['Pod'] } }] };
  const rules: Record<string, unknown>[] = [
    {
      name: 'tollgate-signature',
      match,
      verifyImages: [{ type: 'Cosign', ...common, attestors: [attestor] }],
    },
  ];
  if (options.attestation !== undefined) {
    rules.push({
      name: 'tollgate-vuln-attestation',
      match,
      verifyImages: [
        {
          type: 'SigstoreBundle',
          ...common,
          attestations: [
            {
              type: COSIGN_VULN_PREDICATE,
              attestors: [attestor],
              conditions: [
                {
                  all: [
                    { key: '{{ scanner.result.verdict }}', operator: 'Equals', value: 'APPROVED' },
                    {
                      key: "{{ time_since('', '{{ metadata.scanFinishedOn }}', '') }}",
                      operator: 'DurationLessThanOrEquals',
                      value: goDuration(options.attestation.maxAgeMs),
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
  }
  return {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata: {
      name: options.name,
      annotations: {
        'policies.kyverno.io/title': 'Tollgate signed images',
        'policies.kyverno.io/description': `Images of ${options.registry} must carry a Tollgate signature.`,
        'kyverno.io/kyverno-version': '1.19.0',
        'policies.kyverno.io/minversion': minimumVersion('kyverno', options),
      },
    },
    spec: {
      // Deprecated in favour of each rule's failureAction (set too), but still read, and what older tooling shows.
      validationFailureAction: action,
      background: false,
      webhookConfiguration: { failurePolicy: 'Fail', timeoutSeconds: 30 },
      rules,
    },
  };
};
