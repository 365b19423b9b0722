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

export const ADMISSION_ENGINES = Object.keys(ENGINE_VERSIONS) as AdmissionEngine[];
