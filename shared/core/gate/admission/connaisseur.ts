import type { ResolvedAdmissionOptions } from './options';
import { wildcardReferences } from './patterns';

/**
 * Connaisseur Helm values (`application.validators` and `application.policy`): a cosign validator whose trust root
 * is the Tollgate key, and one rule per covered pattern with transparency-log and SCT checks off, since a private
 * KMS key's signatures are in no log. Merge into the chart's values; keep its other validators and rules.
 */
export const connaisseurValues = (options: ResolvedAdmissionOptions): Record<string, unknown> => ({
  application: {
    validators: [
      {
        name: 'tollgate',
        type: 'cosign',
        trustRoots: [{ name: 'tollgate', key: options.publicKeyPem }],
        // cosign's k8s keychain: the ECR credential helper with the pod's IAM role (IRSA or Pod Identity).
        auth: { useKeychain: true },
      },
    ],
    policy: options.repositories
      .flatMap((glob) => wildcardReferences(options.registry, glob))
      .map((pattern) => ({
        pattern,
        validator: 'tollgate',
        with: { trustRoot: 'tollgate', verifyInTransparencyLog: false, verifySCT: false },
      })),
    ...(options.mode === 'audit' ? { features: { detectionMode: true } } : {}),
  },
});
