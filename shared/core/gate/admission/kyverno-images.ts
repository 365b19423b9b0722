import { goDuration } from '../duration';
import { COSIGN_VULN_PREDICATE } from '../../formats/payload/statement';
import type { ResolvedAdmissionOptions } from './options';
import { imageRegex, rawImageGlobs } from './patterns';

/**
 * Kyverno's CEL-based ImageValidatingPolicy (policies.kyverno.io/v1). Its cosign attestor reads the legacy `.sig`
 * and, when a v0.3 bundle is present, the bundles. `ctlog.insecureIgnoreTlog`/`insecureIgnoreSCT` make it trust the
 * key alone. Validations only count images of the covered repositories: `verifyImageSignatures` answers 0 for an
 * image outside `matchImageReferences`, which would otherwise refuse every pod with a sidecar from elsewhere.
 */
export const kyvernoImageValidatingPolicy = (options: ResolvedAdmissionOptions): Record<string, unknown> => {
  const enforce = options.mode === 'enforce';
  const covered = 'variables.tollgateImages';
  // One attestor per trusted key (`tollgate`, `tollgate2`, …); `> 0` of the list: any one of them is enough.
  const names = options.publicKeyPems.map((_, index) => (index === 0 ? 'tollgate' : `tollgate${index + 1}`));
  const trusted = `[${names.map((name) => `attestors.${name}`).join(', ')}]`;
  const scanFinished =
    'timestamp(extractPayload(image, attestations.vuln).predicate.metadata.scanFinishedOn)';
  const validations: Record<string, unknown>[] = [
    {
      expression: `${covered}.all(image, verifyImageSignatures(image, ${trusted}) > 0)`,
      message: `images of ${options.registry} must carry a Tollgate signature`,
    },
  ];
  if (options.attestation !== undefined) {
    validations.push(
      {
        expression: `${covered}.all(image, verifyAttestationSignatures(image, attestations.vuln, ${trusted}) > 0)`,
        message: 'images must carry a Tollgate vulnerability attestation',
      },
      {
        expression: `${covered}.all(image, extractPayload(image, attestations.vuln).predicate.scanner.result.verdict == 'APPROVED')`,
        message: "the Tollgate vulnerability attestation's verdict must be APPROVED",
      },
      {
        // Kyverno's time library (registered since 1.17) gives the policy a clock: the scan the attestation
        // reports must be recent, as `tollgate verify --max-age` requires, and, as there, not more than 5 minutes
        // in the future (clock skew; more is a predicate that lies about its time).
        expression: `${covered}.all(image, time.now() - ${scanFinished} <= duration('${goDuration(options.attestation.maxAgeMs)}') && ${scanFinished} - time.now() <= duration('5m'))`,
        message: `the Tollgate vulnerability attestation's scan must be at most ${goDuration(options.attestation.maxAgeMs)} old`,
      },
    );
  }
  return {
    apiVersion: 'policies.kyverno.io/v1',
    kind: 'ImageValidatingPolicy',
    metadata: { name: options.name },
    spec: {
      validationActions: [enforce ? 'Deny' : 'Audit'],
      failurePolicy: 'Fail',
      webhookConfiguration: { timeoutSeconds: 30 },
      matchConstraints: {
        resourceRules: [
          { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] },
        ],
      },
      matchImageReferences: options.repositories
        .flatMap((glob) => rawImageGlobs(options.registry, glob))
        .map((glob) => ({ glob })),
      validationConfigurations: { mutateDigest: enforce, verifyDigest: enforce, required: true },
      credentials: { providers: ['amazon'] },
      attestors: options.publicKeyPems.map((pem, index) => ({
        name: names[index],
        cosign: {
          key: { data: pem, hashAlgorithm: 'sha256' },
          ctlog: { insecureIgnoreTlog: true, insecureIgnoreSCT: true },
        },
      })),
      ...(options.attestation === undefined
        ? {}
        : { attestations: [{ name: 'vuln', intoto: { type: COSIGN_VULN_PREDICATE } }] }),
      variables: [
        {
          name: 'tollgateImages',
          expression: `(images.containers + images.initContainers + images.ephemeralContainers).filter(image, image.matches(r'${imageRegex(options.registry, options.repositories)}'))`,
        },
      ],
      validations,
    },
  };
};
