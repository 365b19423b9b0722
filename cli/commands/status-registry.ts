import type { KeyObject } from 'node:crypto';
import type { Digest } from '../../shared/core/domain';
import type { Descriptor } from '../../shared/core/oci/types';
import type { RegistryClient } from '../../shared/app/ports/registry-client';
import { envelopeSignedBy, verifyAttestationEnvelope } from '../../shared/core/verify/attestation-envelope';
import { verifyBundle } from '../../shared/core/verify/bundle';
import { verifyLegacySignature } from '../../shared/core/verify/legacy';
import { namesRepository, signedStatement, subjectNames } from '../../shared/core/gate/bundle-statement';
import { attestedScanFinishedOn, dsseEnvelopeIn } from '../../shared/core/formats/payload/attested-scan';
import { COSIGN_SIGN_PREDICATE, COSIGN_VULN_PREDICATE } from '../../shared/core/formats/payload/statement';
import { signatureTag } from '../../shared/core/formats/manifest/cosign-signature';
import { attestationTag } from '../../shared/core/formats/manifest/cosign-attestation';
import { referrersTag } from '../../shared/core/oci/digest';
import {
  orUnreadable,
  readBundleReferrers,
  readLegacySignatures,
  type StoredBundle,
} from '../../shared/app/verify/read-signatures';
import { readLegacyAttestations } from '../../shared/app/verify/read-attestations';
import { bundleSignedBy, legacyLayerSignedBy } from '../../shared/app/signing/ours';

/** Where Tollgate puts each of its artifacts: the three signature formats, and the `.att` copy of the attestation. */
export const OWN_PLACES = [
  'cosign-legacy',
  'sigstore-bundle',
  'vuln-attestation',
  'vuln-attestation-att',
] as const;
export type OwnPlace = (typeof OWN_PLACES)[number];

/** How each place is named in a sentence. */
export const PLACE_NAMES: Readonly<Record<OwnPlace, string>> = {
  'cosign-legacy': '.sig',
  'sigstore-bundle': 'signature bundle',
  'vuln-attestation': 'attestation',
  'vuln-attestation-att': '.att copy of the attestation',
};

/** One artifact signed by our key. */
export interface OwnArtifact {
  readonly reference: string;
  /** Whether it holds for this image as `tollgate verify` checks it (digest, repository, predicate type). */
  readonly valid: boolean;
  readonly reason: string;
  /** Attestations: when the scan it vouches for finished (`metadata.scanFinishedOn`). */
  readonly scanFinishedOn?: string;
}

/** Another signer's artifact, or anything else attached: counted and listed, never judged. */
export interface ForeignArtifact {
  readonly where: '.sig' | 'referrer' | '.att';
  readonly reference: string;
  /** Its media type, artifact type or claimed (unsigned) predicate type. */
  readonly type: string;
}

/** Something attached that could not be read (too large, not what it claims): whose it is cannot be told. */
export interface UnreadableArtifact {
  readonly where: '.sig' | 'referrer' | '.att';
  readonly reference: string;
  readonly reason: string;
}

/** What the registry really holds for one digest, told apart by signature: ours verifies with our key. */
export interface RegistryState {
  readonly ours: Readonly<Record<OwnPlace, readonly OwnArtifact[]>>;
  readonly others: readonly ForeignArtifact[];
  readonly unreadable: readonly UnreadableArtifact[];
}

/**
 * Reads the `.sig` manifest, the referrers and the `.att` manifest of the digest (`identity` is
 * `registry/repository`, as signatures name it) with the verifier's readers (bounded,
 * one hostile artifact reported as unreadable rather than failing the rest), and sorts what they hold into ours
 * (signed by `key`, the signer's own ownership checks) and everyone else's. Throws only when the registry cannot
 * answer at all.
 */
export const readRegistryState = async (
  client: RegistryClient,
  image: { readonly identity: string; readonly repository: string; readonly digest: Digest },
  key: KeyObject,
): Promise<RegistryState> => {
  const { identity, repository, digest } = image;
  const [legacy, referrers, attestations] = await Promise.all([
    orUnreadable(readLegacySignatures(client, repository, digest)),
    orUnreadable(readBundleReferrers(client, repository, digest)),
    orUnreadable(readLegacyAttestations(client, repository, digest)),
  ]);
  const ours: Record<OwnPlace, OwnArtifact[]> = {
    'cosign-legacy': [],
    'sigstore-bundle': [],
    'vuln-attestation': [],
    'vuln-attestation-att': [],
  };
  const others: ForeignArtifact[] = [];
  const unreadable: UnreadableArtifact[] = [];

  const sigTag = `${identity}:${signatureTag(digest)}`;
  if (legacy instanceof Error) {
    unreadable.push({ where: '.sig', reference: sigTag, reason: legacy.message });
  } else if (legacy !== undefined && legacy.parsed === undefined) {
    unreadable.push({
      where: '.sig',
      reference: sigTag,
      reason: `holds a ${legacy.manifest.mediaType}, not a signature manifest`,
    });
  } else if (legacy !== undefined) {
    for (const [index, layer] of legacy.layers.entries()) {
      const reference = `${sigTag}#${index}`;
      if (layer.unreadable !== undefined) {
        unreadable.push({ where: '.sig', reference, reason: layer.unreadable });
      } else if (legacyLayerSignedBy(layer, key)) {
        const result = verifyLegacySignature(layer, { digest, identity }, key, reference);
        ours['cosign-legacy'].push({ reference, valid: result.valid, reason: result.message });
      } else {
        others.push({ where: '.sig', reference, type: layer.mediaType });
      }
    }
  }

  const listingReference = `${identity}:${referrersTag(digest)}`;
  if (referrers instanceof Error) {
    unreadable.push({ where: 'referrer', reference: listingReference, reason: referrers.message });
  } else {
    const seen = new Set<string>();
    for (const stored of referrers.bundles) {
      seen.add(stored.descriptor.digest);
      const reference = `${identity}@${stored.descriptor.digest}`;
      const own = bundleSignedBy(stored, key)
        ? ownBundle(stored, digest, identity, key, reference)
        : undefined;
      if (own === undefined) {
        others.push({ where: 'referrer', reference, type: referrerType(stored.descriptor, stored) });
      } else {
        ours[own.place].push(own.artifact);
      }
    }
    for (const entry of referrers.unreadable) {
      if (entry.descriptor !== undefined) seen.add(entry.descriptor.digest);
      unreadable.push({
        where: 'referrer',
        reference:
          entry.descriptor === undefined ? listingReference : `${identity}@${entry.descriptor.digest}`,
        reason: entry.reason,
      });
    }
    // Listed but not a bundle this reader takes (an SBOM, another tool's artifact): someone else's.
    for (const descriptor of referrers.listing.descriptors) {
      if (seen.has(descriptor.digest)) continue;
      seen.add(descriptor.digest);
      others.push({
        where: 'referrer',
        reference: `${identity}@${descriptor.digest}`,
        type: referrerType(descriptor),
      });
    }
  }

  const attTag = `${identity}:${attestationTag(digest)}`;
  if (attestations instanceof Error) {
    unreadable.push({ where: '.att', reference: attTag, reason: attestations.message });
  } else if (attestations !== undefined && attestations.parsed === undefined) {
    unreadable.push({
      where: '.att',
      reference: attTag,
      reason: `holds a ${attestations.manifest.mediaType}, not an attestation manifest`,
    });
  } else if (attestations !== undefined) {
    for (const [index, layer] of attestations.layers.entries()) {
      const reference = `${attTag}#${index}`;
      if (layer.unreadable !== undefined) {
        unreadable.push({ where: '.att', reference, reason: layer.unreadable });
      } else if (layer.envelope.length > 0 && envelopeSignedBy(layer.envelope, key)) {
        const result = verifyAttestationEnvelope(
          layer.envelope,
          { digest, predicateType: COSIGN_VULN_PREDICATE },
          key,
          reference,
        );
        const scanFinishedOn = attestedScanFinishedOn(dsseEnvelopeIn(layer.envelope, 'envelope'));
        ours['vuln-attestation-att'].push({
          reference,
          valid: result.valid,
          reason: result.message,
          ...(scanFinishedOn === undefined ? {} : { scanFinishedOn }),
        });
      } else {
        others.push({
          where: '.att',
          reference,
          type: layer.claimedPredicateType ?? layer.descriptor.mediaType,
        });
      }
    }
  }
  return { ours, others, unreadable };
};

/** A bundle our key signed, placed by the predicate type its signed statement names (never by the annotation). */
const ownBundle = (
  stored: StoredBundle,
  digest: Digest,
  identity: string,
  key: KeyObject,
  reference: string,
): { readonly place: OwnPlace; readonly artifact: OwnArtifact } | undefined => {
  const statement = signedStatement(stored.bundle) ?? {};
  const format =
    statement.predicateType === COSIGN_SIGN_PREDICATE
      ? ('sigstore-bundle' as const)
      : statement.predicateType === COSIGN_VULN_PREDICATE
        ? ('vuln-attestation' as const)
        : undefined;
  // Signed by our key for a predicate Tollgate does not write: listed with the others rather than guessed at.
  if (format === undefined) return undefined;
  const predicateType = format === 'sigstore-bundle' ? COSIGN_SIGN_PREDICATE : COSIGN_VULN_PREDICATE;
  const result = verifyBundle(stored.bundle, { digest, predicateType, format }, key, reference);
  const names = subjectNames(statement, digest);
  const valid = result.valid && namesRepository(names, identity);
  const reason = !result.valid
    ? result.message
    : valid
      ? result.message
      : `signed for ${names.join(', ')}, not ${identity}`;
  const scanFinishedOn = format === 'vuln-attestation' ? bundleScanFinishedOn(stored.bundle) : undefined;
  return {
    place: format,
    artifact: { reference, valid, reason, ...(scanFinishedOn === undefined ? {} : { scanFinishedOn }) },
  };
};

const bundleScanFinishedOn = (bundle: Buffer): string | undefined =>
  attestedScanFinishedOn(dsseEnvelopeIn(bundle, 'bundle'));

const referrerType = (descriptor: Descriptor, stored?: StoredBundle): string =>
  stored?.claimedPredicateType ?? descriptor.artifactType ?? descriptor.mediaType;
