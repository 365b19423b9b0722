/**
 * The engine releases each generator was checked against (their CRD types and verifier code), and the oldest
 * release that reads every field used. docs/deployment-gates.md repeats this table.
 */
export const ENGINE_VERSIONS = {
  kyverno: { checked: '1.19.0', minimum: '1.13.0', api: 'kyverno.io/v1 ClusterPolicy' },
  'kyverno-images': {
    checked: '1.19.0',
    minimum: '1.17.0',
    api: 'policies.kyverno.io/v1 ImageValidatingPolicy (1.16 serves the same spec as v1beta1)',
  },
  'policy-controller': {
    checked: '0.15.1',
    minimum: '0.4.0',
    api: 'policy.sigstore.dev/v1beta1 ClusterImagePolicy',
  },
  connaisseur: {
    checked: '3.10.0',
    minimum: '3.6.0',
    api: 'Helm values: application.validators / application.policy',
  },
  gatekeeper: {
    checked: 'gatekeeper-library allowedrepos 1.0.2',
    minimum: 'Gatekeeper 3.x',
    api: 'constraints.gatekeeper.sh/v1beta1 K8sAllowedRepos',
  },
} as const;

export type AdmissionEngine = keyof typeof ENGINE_VERSIONS;

/**
 * Kyverno's SigstoreBundle verification ignored the configured keys before 1.19.0 (kyverno#14233, #16267, fixed by
 * #16800): a policy that checks the vulnerability attestation with a key needs 1.19.0, whatever its type.
 */
export const ATTESTATION_MINIMUM_KYVERNO = '1.19.0';

/** The oldest release that enforces what this policy asks for. */
export const minimumVersion = (
  engine: AdmissionEngine,
  options: { readonly attestation?: unknown },
): string =>
  (engine === 'kyverno' || engine === 'kyverno-images') && options.attestation !== undefined
    ? ATTESTATION_MINIMUM_KYVERNO
    : ENGINE_VERSIONS[engine].minimum;

export const ADMISSION_ENGINES = Object.keys(ENGINE_VERSIONS) as AdmissionEngine[];
