import type { ImageRef, SignatureRef } from '../../../core/domain';
import type { SigningDeps } from '../deps';
import { settleBundleReferrer, type BundleRequest, type SettledBundle } from './bundle-referrer';
import type { StoredBundles } from '../../verify/read-signatures';
import { signCosignAttestation } from './cosign-attestation';
import { attestedScanFinishedOn, attestsAtLeast } from '../../../core/formats/payload/attested-scan';
import type { VulnPredicate } from '../../../core/formats/payload/vuln-predicate';

/**
 * The vulnerability attestation, in both places verifiers look for it: the Sigstore bundle referrer (cosign 2.6.3+
 * and v3, Kyverno's ImageValidatingPolicy and `type: SigstoreBundle`, `tollgate verify`) and, with the same DSSE
 * envelope, a layer of the legacy `sha256-<hex>.att` tag (cosign up to 2.6.2, the policy-controller, Kyverno's
 * `type: Cosign`; when signers race, each place may hold a different one of ours for the same decision). The
 * recorded reference is the bundle's; the `.att` copy is where the digest says it is. Why both:
 * docs/signature-formats.md, "Where the attestation is written".
 */
export const signVulnAttestation = async (
  deps: SigningDeps,
  image: ImageRef,
  request: BundleRequest & { readonly format: 'vuln-attestation'; readonly predicate: VulnPredicate },
  listed?: StoredBundles,
): Promise<SignatureRef> => {
  // Ours is current while it vouches for the scan on record; one of an older scan is replaced, then removed.
  const wanted = request.predicate.metadata.scanFinishedOn;
  const current = (envelope: { readonly payload?: unknown }): boolean =>
    attestsAtLeast(attestedScanFinishedOn(envelope), wanted);
  if (deps.legacyAttestationTag === false) {
    return (await settleBundleReferrer(deps, image, { ...request, current }, listed)).ref;
  }
  const copy = (bundle: Buffer): Promise<void> =>
    signCosignAttestation(deps, image, dsseEnvelopeOf(bundle), request.predicateType, current);
  // The `.att` copy starts as soon as our bundle is signed, beside its referrer's upload and settling: on ECR that
  // takes the copy's six round trips off the critical path. Should the referrer settle on a concurrent signer's
  // bundle instead, the two places hold two envelopes of ours for the same decision, both current, and the next
  // copy finds one of ours and adds none. When no bundle is built (one of ours is current), the copy follows.
  let copying: Promise<void> | undefined;
  const settling = settleBundleReferrer(
    deps,
    image,
    { ...request, current, onBuilt: (bundle) => void (copying ??= copy(bundle)) },
    listed,
  );
  let settled: SettledBundle;
  try {
    settled = await settling;
  } catch (error) {
    // The copy is waited for even so, so no write goes on after the invocation has failed.
    await copying?.catch(() => undefined);
    throw error;
  }
  await (copying ?? copy(settled.bundle));
  return settled.ref;
};

/**
 * The bundle's DSSE envelope as a standalone DSSE JSON envelope, fields in go-securesystemslib's order (what
 * `cosign attest` stores in a `.att` layer). Ours just built, or one verified as ours: either way it has one.
 */
const dsseEnvelopeOf = (bundle: Buffer): Buffer => {
  const { dsseEnvelope } = JSON.parse(bundle.toString('utf8')) as {
    dsseEnvelope: { payloadType: string; payload: string; signatures: { keyid?: string; sig: string }[] };
  };
  return Buffer.from(
    JSON.stringify({
      payloadType: dsseEnvelope.payloadType,
      payload: dsseEnvelope.payload,
      signatures: dsseEnvelope.signatures.map((signature) => ({
        keyid: signature.keyid ?? '',
        sig: signature.sig,
      })),
    }),
  );
};
