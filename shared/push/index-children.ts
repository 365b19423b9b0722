import { parseDigest, type Digest } from '../domain/digest';

export interface IndexChild {
  readonly digest: Digest;
  /** `os/arch[/variant]`, when the index says. */
  readonly platform?: string;
}

interface IndexShape {
  readonly manifests?: readonly {
    readonly digest?: unknown;
    readonly platform?: {
      readonly os?: unknown;
      readonly architecture?: unknown;
      readonly variant?: unknown;
    };
    readonly annotations?: Readonly<Record<string, unknown>>;
  }[];
}

// BuildKit lists provenance and SBOM attestations in the index as `unknown/unknown` platform entries.
const isAttestationEntry = (entry: NonNullable<IndexShape['manifests']>[number]): boolean =>
  entry.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest';

/** The platform manifests an image index lists. Pure; invalid digests are dropped, not guessed. */
export const indexChildren = (manifestJson: string): IndexChild[] => {
  const index = JSON.parse(manifestJson) as IndexShape;
  const children: IndexChild[] = [];
  for (const entry of index.manifests ?? []) {
    if (typeof entry.digest !== 'string' || isAttestationEntry(entry)) continue;
    const platform = entry.platform;
    const parts = [platform?.os, platform?.architecture, platform?.variant].filter(
      (part): part is string => typeof part === 'string',
    );
    children.push({
      digest: parseDigest(entry.digest),
      ...(parts.length >= 2 ? { platform: parts.join('/') } : {}),
    });
  }
  return children;
};
