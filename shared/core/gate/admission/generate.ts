import { Document } from 'yaml';
import { formatDuration } from '../duration';
import { connaisseurValues } from './connaisseur';
import { gatekeeperAllowedRepos } from './gatekeeper';
import { header } from './header';
import { kyvernoClusterPolicy } from './kyverno';
import { kyvernoImageValidatingPolicy } from './kyverno-images';
import { AdmissionInputError, resolveAdmissionOptions, type AdmissionOptions } from './options';
import { POLICY_CONTROLLER_NAMESPACE_LABEL, policyControllerClusterImagePolicy } from './policy-controller';
import type { AdmissionEngine } from './versions';

/**
 * Engines that can check Tollgate's vulnerability attestation with a plain key: Kyverno reads the v0.3 bundle
 * referrer, policy-controller the copy in the legacy `.att` tag. Connaisseur reads no attestation at all.
 */
const READS_ATTESTATIONS: readonly AdmissionEngine[] = ['kyverno', 'kyverno-images', 'policy-controller'];

/**
 * The admission policy for `engine` as a YAML document, with a header comment naming the engine release it was
 * written for. Pure: the caller supplies the PEM (read from a file, or from KMS GetPublicKey).
 * @throws AdmissionInputError for inputs the engine could not express
 */
export const generateAdmissionPolicy = (engine: AdmissionEngine, input: AdmissionOptions): string => {
  const options = resolveAdmissionOptions(input);
  if (options.attestation !== undefined && !READS_ATTESTATIONS.includes(engine)) {
    throw new AdmissionInputError(
      `${engine} cannot check Tollgate's vulnerability attestation (it reads neither the Sigstore bundle nor the .att tag); ` +
        'use kyverno or policy-controller, or `tollgate verify --require-attestation` in the pipeline',
    );
  }
  if (
    engine !== 'gatekeeper' &&
    (options.publicKeyPems.length === 0 ||
      !options.publicKeyPems.every((pem) => pem.includes('-----BEGIN PUBLIC KEY-----')))
  ) {
    throw new AdmissionInputError(`${engine} checks signatures: it needs the public key PEM (--key)`);
  }
  const notes: string[] = [];
  let body: Record<string, unknown>;
  switch (engine) {
    case 'kyverno':
      body = kyvernoClusterPolicy(options);
      notes.push(
        'Kyverno deprecated ClusterPolicy in 1.17 and plans to remove it (1.20): prefer the ImageValidatingPolicy',
        '(`tollgate policy kyverno` without --kyverno-api).',
      );
      if (options.attestation !== undefined) {
        notes.push(
          `Rule tollgate-vuln-attestation: APPROVED vulnerability attestation, scan at most ${formatDuration(options.attestation.maxAgeMs)} old.`,
        );
      }
      break;
    case 'kyverno-images':
      body = kyvernoImageValidatingPolicy(options);
      if (options.attestation !== undefined) {
        notes.push(
          `The vulnerability attestation must be APPROVED, its scan at most ${formatDuration(options.attestation.maxAgeMs)} old.`,
        );
      }
      break;
    case 'policy-controller':
      body = policyControllerClusterImagePolicy(options);
      notes.push(
        `policy-controller only checks namespaces labelled ${POLICY_CONTROLLER_NAMESPACE_LABEL}: "true":`,
        `  kubectl label namespace NAME ${POLICY_CONTROLLER_NAMESPACE_LABEL}=true`,
        'It pulls signatures with the ECR credential helper under its service account role (IRSA or Pod Identity).',
        ...(options.attestation === undefined
          ? []
          : [
              `The authority checks the vulnerability attestation in the .att tag (APPROVED, scan at most ${formatDuration(options.attestation.maxAgeMs)} old),`,
              'which Tollgate writes with the vuln-attestation format for images signed since it writes .att.',
            ]),
      );
      break;
    case 'connaisseur':
      body = connaisseurValues(options);
      notes.push(
        'Helm values: merge into your connaisseur values.yaml (keep the chart default validators and rules).',
        ...(options.mode === 'audit'
          ? ['detectionMode is cluster-wide: every Connaisseur rule then only warns.']
          : []),
      );
      break;
    case 'gatekeeper': {
      const { constraint, widened } = gatekeeperAllowedRepos(options);
      body = constraint;
      notes.push(
        'Needs the k8sallowedrepos ConstraintTemplate from gatekeeper-library (library/general/allowedrepos).',
        'Restricts where images come from; it checks no signature. Pair it with a signature policy.',
        ...(widened.length === 0
          ? []
          : [
              `K8sAllowedRepos matches prefixes only, so ${widened.join(', ')} allow every repository up to the first *;`,
              'use k8sallowedreposv2 (glob) for an exact match.',
            ]),
      );
      break;
    }
  }
  // No anchors: the same attestor object appears in two rules, and some admission tooling refuses YAML aliases.
  const document = new Document(body, { aliasDuplicateObjects: false });
  document.commentBefore = header(engine, options, notes);
  return document.toString({ lineWidth: 0 });
};
