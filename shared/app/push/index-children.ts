import { parseDigest, type Digest } from '../../core/domain/digest';
import type { ManifestKind } from '../../core/oci/manifest-kind';

/** One entry of an image index, as the index lists it. Everything here is the pusher's word. */
export interface IndexEntry {
  readonly digest: Digest;
  /** `os/arch[/variant]`, when the index says. */
  readonly platform?: string;
}

/** An entry a runtime could pull, so judged: an image, a nested index, or something we cannot tell. */
export interface IndexChild extends IndexEntry {
  readonly kind: Exclude<ManifestKind, 'attestation'>;
  /** For a nested index: its manifest as already read, so what it lists is named without reading it again. */
  readonly manifest?: string;
}

interface IndexShape {
  readonly manifests?: readonly {
    readonly digest?: unknown;
    readonly platform?: {
      readonly os?: unknown;
      readonly architecture?: unknown;
      readonly variant?: unknown;
    };
  }[];
}

/**
 * Every entry an image index lists. Annotations are not read: `vnd.docker.reference.type` and friends are
 * what the pusher says an entry is, and a runnable image listed under them would otherwise escape judging.
 * @throws InvalidDigestError for an entry whose digest is not one (a malformed index is refused, not guessed).
 */
export const indexEntries = (manifestJson: string): IndexEntry[] => {
  const index = JSON.parse(manifestJson) as IndexShape;
  const entries: IndexEntry[] = [];
  for (const entry of index.manifests ?? []) {
    const platform = entry.platform;
    const parts = [platform?.os, platform?.architecture, platform?.variant].filter(
      (part): part is string => typeof part === 'string',
    );
    entries.push({
      digest: parseDigest(entry.digest),
      ...(parts.length >= 2 ? { platform: parts.join('/') } : {}),
    });
  }
  return entries;
};

/**
 * The entries to judge, given what each entry's own manifest is (`kinds`, from its content). Only a real
 * attestation manifest is left out; an entry whose kind is not known is a child too. Pure.
 */
export const indexChildren = (
  entries: readonly IndexEntry[],
  kinds: ReadonlyMap<Digest, ManifestKind>,
  manifests: ReadonlyMap<Digest, string | undefined> = new Map(),
): IndexChild[] => {
  const children: IndexChild[] = [];
  const seen = new Set<Digest>();
  for (const entry of entries) {
    const kind = kinds.get(entry.digest) ?? 'unknown';
    if (kind === 'attestation' || seen.has(entry.digest)) continue;
    seen.add(entry.digest);
    const manifest = kind === 'index' ? manifests.get(entry.digest) : undefined;
    children.push({ ...entry, kind, ...(manifest === undefined ? {} : { manifest }) });
  }
  return children;
};
