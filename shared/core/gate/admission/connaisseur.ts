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
        trustRoots: options.publicKeyPems.map((key, index) => ({
          name: index === 0 ? 'tollgate' : `tollgate-${index + 1}`,
          key,
        })),
        // cosign's k8s keychain: the ECR credential helper with the pod's IAM role (IRSA or Pod Identity).
        auth: { useKeychain: true },
      },
    ],
    policy: options.repositories
      .flatMap((glob) => wildcardReferences(options.registry, glob))
      .map((pattern) => ({
        pattern,
        validator: 'tollgate',
        // Several keys: any one of the trust roots (`*`, threshold 1) is enough.
        with: {
          ...(options.publicKeyPems.length > 1
            ? { trustRoot: '*', threshold: 1 }
            : { trustRoot: 'tollgate' }),
          verifyInTransparencyLog: false,
          verifySCT: false,
        },
      })),
    ...(options.mode === 'audit' ? { features: { detectionMode: true } } : {}),
  },
});
