import { Annotations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { SignatureFormat } from '../../shared/core/domain/signature-format';

/**
 * Engines that read only the cosign legacy `.sig` for an image signature made with a plain key, with the source that
 * decides it (docs/deployment-gates.md has the whole matrix). Without `cosign-legacy` they refuse every image.
 */
export const LEGACY_SIG_ONLY_VERIFIERS: readonly string[] = [
  'Connaisseur (cosign validator: cosign.VerifyImageSignatures, .sig only)',
  'Sigstore policy-controller with a key authority (its bundle format is keyless-only)',
  'Kyverno ClusterPolicy verifyImages type: Cosign',
  'cosign 2.x up to 2.6.2 (verify reads only .sig)',
  'containers/image sigstoreSigned (Podman, CRI-O, skopeo)',
];

export interface VerifierWarning {
  readonly id: string;
  readonly message: string;
}

/** What a `signatures.formats` choice costs at deploy gates, as synth warnings. Pure, so tests can read it. */
export const verifierWarnings = (formats: readonly SignatureFormat[]): VerifierWarning[] => {
  if (formats.length === 0) {
    return [
      {
        id: 'tollgate:noSignatureFormats',
        message:
          'signatures.formats is empty: Tollgate signs nothing, so every signature gate (tollgate verify, cosign, ' +
          'Kyverno, policy-controller, Connaisseur) refuses every image.',
      },
    ];
  }
  if (!formats.includes('cosign-legacy')) {
    return [
      {
        id: 'tollgate:noCosignLegacy',
        message:
          'signatures.formats has no cosign-legacy: these verifiers read only the cosign .sig and will refuse ' +
          `every image: ${LEGACY_SIG_ONLY_VERIFIERS.join('; ')}. Add cosign-legacy unless none of them guards ` +
          'a deployment.',
      },
    ];
  }
  return [];
};

/** Adds the warnings to `scope`; `cdk synth` prints them (and `--strict` fails on them). */
export const warnAboutVerifiers = (scope: IConstruct, formats: readonly SignatureFormat[]): void => {
  for (const warning of verifierWarnings(formats)) {
    Annotations.of(scope).addWarningV2(warning.id, warning.message);
  }
};
