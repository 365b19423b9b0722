import { isDigest, type Digest } from '../../shared/core/domain';
import { sha256Digest } from '../../shared/core/oci/digest';
import { RegistryRequestError } from '../../shared/core/oci/errors';
import { manifestBytes } from '../../shared/core/oci/manifest';
import { MediaType } from '../../shared/core/oci/media-types';
import type {
  Descriptor,
  FetchedManifest,
  ImageIndex,
  ImageManifest,
  PutManifestResult,
} from '../../shared/core/oci/types';
import type { ManifestUpload, RegistryClient } from '../../shared/app/ports/registry-client';

export interface MemoryRegistryOptions {
  /** @default 'registry.example' */
  readonly host?: string;
  /**
   * Whether `referrers()` answers (computed from the stored manifests' `subject`, as OCI 1.1 registries do), or
   * returns `undefined` like Distribution 2.x, so referrers go through the `sha256-<hex>` tag-schema index.
   * @default true
   */
  readonly referrersApi?: boolean;
}

interface StoredManifest {
  readonly mediaType: string;
  readonly bytes: Buffer;
}

/**
 * An OCI registry in memory: manifests by digest, tags pointing at digests, blobs. Content is addressed and
 * checked as a real registry does it (a digest reference must be the content's digest; deleting a manifest
 * takes its tags with it). No network.
 */
export class MemoryRegistry implements RegistryClient {
  public readonly host: string;
  public readonly referrersApi: boolean;
  /** Keyed `repository@digest`. */
  public readonly manifests = new Map<string, StoredManifest>();
  /** Keyed `repository:tag`. */
  public readonly tags = new Map<string, Digest>();
  /** Keyed `repository@digest`. */
  public readonly blobs = new Map<string, Buffer>();
  /** Manifest reads, as `GET|HEAD repository/manifests/reference`: what a verifier asked for, and in what order. */
  public readonly requests: string[] = [];
  /** Manifest writes, as `PUT repository:reference` or `DELETE repository@digest`: what was (not) written. */
  public readonly writes: string[] = [];
  /** Thrown by the next call, once: an unreachable, throttling or lying registry. */
  public failNext: Error | undefined;

  public constructor({ host = 'registry.example', referrersApi = true }: MemoryRegistryOptions = {}) {
    this.host = host;
    this.referrersApi = referrersApi;
  }

  public async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    const found = await this.findManifest(repository, reference);
    if (found === undefined) {
      throw new RegistryRequestError(`${repository}:${reference} not found`, 404, ['MANIFEST_UNKNOWN']);
    }
    return found;
  }

  public findManifest(repository: string, reference: string): Promise<FetchedManifest | undefined> {
    this.requests.push(`GET ${repository}/manifests/${reference}`);
    return this.call(() => this.lookup(repository, reference));
  }

  public headManifest(repository: string, reference: string): Promise<Descriptor | undefined> {
    this.requests.push(`HEAD ${repository}/manifests/${reference}`);
    return this.call(() => {
      const found = this.lookup(repository, reference);
      return found === undefined
        ? undefined
        : { mediaType: found.mediaType, digest: found.digest, size: found.bytes.length };
    });
  }

  public putManifest(
    repository: string,
    reference: string,
    manifest: ManifestUpload,
  ): Promise<PutManifestResult> {
    return this.call(() => {
      const digest = sha256Digest(manifest.bytes);
      if (isDigest(reference) && reference !== digest) {
        throw new RegistryRequestError(`${reference} is not the digest of the manifest`, 400, [
          'DIGEST_INVALID',
        ]);
      }
      this.manifests.set(`${repository}@${digest}`, { mediaType: manifest.mediaType, bytes: manifest.bytes });
      if (reference !== digest) this.tags.set(`${repository}:${reference}`, digest);
      this.writes.push(`PUT ${repository}:${reference}`);
      return { digest };
    });
  }

  /** Stores bytes under a digest they do not hash to: only a fake can, the real client refuses such answers. */
  public putRawManifest(repository: string, digest: Digest, bytes: Buffer, mediaType: string): void {
    this.manifests.set(`${repository}@${digest}`, { mediaType, bytes });
  }

  public deleteManifest(repository: string, digest: Digest): Promise<boolean> {
    return this.call(() => {
      this.writes.push(`DELETE ${repository}@${digest}`);
      const existed = this.manifests.delete(`${repository}@${digest}`);
      for (const [tag, target] of this.tags)
        if (target === digest && tag.startsWith(`${repository}:`)) this.tags.delete(tag);
      return existed;
    });
  }

  public getBlob(repository: string, digest: Digest): Promise<Buffer> {
    return this.call(() => {
      const blob = this.blobs.get(`${repository}@${digest}`);
      if (blob === undefined)
        throw new RegistryRequestError(`blob ${digest} not found`, 404, ['BLOB_UNKNOWN']);
      return blob;
    });
  }

  public hasBlob(repository: string, digest: Digest): Promise<boolean> {
    return this.call(() => this.blobs.has(`${repository}@${digest}`));
  }

  public putBlob(
    repository: string,
    bytes: Buffer,
  ): Promise<{ readonly digest: Digest; readonly size: number }> {
    return this.call(() => {
      const digest = sha256Digest(bytes);
      this.blobs.set(`${repository}@${digest}`, bytes);
      return { digest, size: bytes.length };
    });
  }

  public listTags(repository: string): Promise<string[]> {
    return this.call(() =>
      [...this.tags.keys()]
        .filter((key) => key.startsWith(`${repository}:`))
        .map((key) => key.slice(repository.length + 1)),
    );
  }

  public referrers(repository: string, digest: Digest): Promise<readonly Descriptor[] | undefined> {
    return this.call(() => {
      if (!this.referrersApi) return undefined;
      const result: Descriptor[] = [];
      for (const [key, manifest] of this.manifests) {
        if (!key.startsWith(`${repository}@`)) continue;
        const parsed = parseJson(manifest.bytes);
        if (parsed?.subject?.digest !== digest) continue;
        const artifactType = parsed.artifactType ?? parsed.config?.mediaType;
        result.push({
          mediaType: manifest.mediaType,
          digest: key.slice(repository.length + 1) as Digest,
          size: manifest.bytes.length,
          ...(artifactType === undefined ? {} : { artifactType }),
          ...(parsed.annotations === undefined ? {} : { annotations: parsed.annotations }),
        });
      }
      return result;
    });
  }

  public requiresAuth(): Promise<boolean> {
    return this.call(() => false);
  }

  /** An image (config + one layer, both from `seed`) stored by digest, and under `tag` when given. */
  public async pushImage(
    repository: string,
    seed: string,
    tag?: string,
  ): Promise<{ readonly digest: Digest; readonly size: number }> {
    const layer = await this.putBlob(repository, Buffer.from(`layer ${seed}`));
    const config = await this.putBlob(
      repository,
      Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', seed })),
    );
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, ...config },
      layers: [{ mediaType: MediaType.ociLayer, ...layer }],
    };
    const bytes = manifestBytes(manifest);
    const { digest } = await this.putManifest(repository, tag ?? sha256Digest(bytes), {
      mediaType: MediaType.ociManifest,
      bytes,
    });
    return { digest, size: bytes.length };
  }

  /** An index of `children` (amd64 first, then arm64) stored by digest. */
  public async pushIndex(
    repository: string,
    children: readonly { readonly digest: Digest; readonly size: number }[],
  ): Promise<Digest> {
    const index: ImageIndex = {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: children.map((child, i) => ({
        mediaType: MediaType.ociManifest,
        digest: child.digest,
        size: child.size,
        platform: { architecture: i === 0 ? 'amd64' : 'arm64', os: 'linux' },
      })),
    };
    const bytes = manifestBytes(index);
    return (await this.putManifest(repository, sha256Digest(bytes), { mediaType: MediaType.ociIndex, bytes }))
      .digest;
  }

  private lookup(repository: string, reference: string): FetchedManifest | undefined {
    const digest = isDigest(reference) ? reference : this.tags.get(`${repository}:${reference}`);
    const stored = digest === undefined ? undefined : this.manifests.get(`${repository}@${digest}`);
    return stored === undefined || digest === undefined
      ? undefined
      : { digest, mediaType: stored.mediaType, bytes: stored.bytes };
  }

  /** Every call answers asynchronously, as the network would, and `failNext` fails whichever call comes next. */
  private call<T>(answer: () => T): Promise<T> {
    const failure = this.failNext;
    if (failure !== undefined) {
      this.failNext = undefined;
      return Promise.reject(failure);
    }
    // What `answer` throws rejects the promise, as a registry's error answer would.
    return new Promise<T>((resolve) => resolve(answer()));
  }
}

interface ManifestFields {
  readonly subject?: { readonly digest?: string };
  readonly artifactType?: string;
  readonly config?: { readonly mediaType?: string };
  readonly annotations?: Record<string, string>;
}

const parseJson = (bytes: Buffer): ManifestFields | undefined => {
  try {
    return JSON.parse(bytes.toString()) as ManifestFields;
  } catch {
    return undefined;
  }
};
