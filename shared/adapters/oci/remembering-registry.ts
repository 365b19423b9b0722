import { isDigest, type Digest } from '../../core/domain';
import { RegistryRequestError } from '../../core/oci/errors';
import { sha256Digest } from '../../core/oci/digest';
import type { ReadLimits } from '../../core/oci/limits';
import type { ManifestUpload, RegistryClient } from '../../app/ports/registry-client';
import type { Descriptor, FetchedManifest, PutManifestResult } from '../../core/oci/types';

export interface RememberingRegistryOptions {
  /** Manifests and blobs kept, oldest dropped first, so a long-lived container stays small. @default 512 */
  readonly maxEntries?: number;
  /** Blobs larger than this are not kept: signing only reads small ones (payloads, bundles). @default 64 KiB */
  readonly maxBlobBytes?: number;
  /**
   * How long a blob this container uploaded or found stays known to exist, so the next upload of the same bytes
   * (the empty `{}` config every referrer shares) is neither checked nor sent again. @default 5 minutes
   */
  readonly blobExistsMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * A registry client that does not ask twice for what cannot change while a container lives: content by digest
 * (read, and so already checked against its digest by the inner client, or written by us), and whether the
 * registry has the referrers API. Signing re-reads its own referrers to converge under concurrent writers;
 * only the tag reads that detect those writers still reach the registry. Tags are never remembered.
 */
export class RememberingRegistryClient implements RegistryClient {
  public readonly host: string;
  readonly #manifests: BoundedMap<FetchedManifest>;
  readonly #blobs: BoundedMap<Buffer>;
  readonly #maxBlobBytes: number;
  /** `repository@digest` of blobs known to be in the registry, with when that was last confirmed. */
  readonly #blobExists: BoundedMap<number>;
  readonly #blobExistsMs: number;
  readonly #now: () => number;
  readonly #uploading = new Map<string, Promise<{ readonly digest: Digest; readonly size: number }>>();
  #noReferrersApi = false;

  public constructor(
    private readonly inner: RegistryClient,
    options: RememberingRegistryOptions = {},
  ) {
    this.host = inner.host;
    this.#manifests = new BoundedMap(options.maxEntries ?? 512);
    this.#blobs = new BoundedMap(options.maxEntries ?? 512);
    this.#maxBlobBytes = options.maxBlobBytes ?? 64 * 1024;
    this.#blobExists = new BoundedMap(options.maxEntries ?? 512);
    this.#blobExistsMs = options.blobExistsMs ?? 5 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  // What is remembered was read within the inner client's limits; `limits` only bound reads that reach it.
  public async getManifest(
    repository: string,
    reference: string,
    limits?: ReadLimits,
  ): Promise<FetchedManifest> {
    return (
      this.#known(repository, reference) ??
      this.#remember(repository, await this.inner.getManifest(repository, reference, limits))
    );
  }

  public async findManifest(
    repository: string,
    reference: string,
    limits?: ReadLimits,
  ): Promise<FetchedManifest | undefined> {
    const known = this.#known(repository, reference);
    if (known !== undefined) return known;
    const found = await this.inner.findManifest(repository, reference, limits);
    return found === undefined ? undefined : this.#remember(repository, found);
  }

  public headManifest(repository: string, reference: string): Promise<Descriptor | undefined> {
    const known = this.#known(repository, reference);
    if (known !== undefined) {
      return Promise.resolve({ mediaType: known.mediaType, digest: known.digest, size: known.bytes.length });
    }
    return this.inner.headManifest(repository, reference);
  }

  public async putManifest(
    repository: string,
    reference: string,
    manifest: ManifestUpload,
    options?: { readonly ifMatch?: string },
  ): Promise<PutManifestResult> {
    let result: PutManifestResult;
    try {
      result = await this.inner.putManifest(repository, reference, manifest, options);
    } catch (error) {
      // A blob remembered as there is not (garbage-collected, deleted with its last referrer): forget them all
      // for this repository, so the caller's retry uploads them again.
      if (error instanceof RegistryRequestError && error.registryCodes.includes('MANIFEST_BLOB_UNKNOWN'))
        this.#blobExists.deleteWhere((name) => name.startsWith(`${repository}@`));
      throw error;
    }
    this.#manifests.set(key(repository, result.digest), {
      digest: result.digest,
      mediaType: manifest.mediaType,
      bytes: manifest.bytes,
    });
    return result;
  }

  public async deleteManifest(repository: string, digest: Digest): Promise<boolean> {
    this.#manifests.delete(key(repository, digest));
    return this.inner.deleteManifest(repository, digest);
  }

  public async getBlob(repository: string, digest: Digest, limits?: ReadLimits): Promise<Buffer> {
    const known = this.#blobs.get(key(repository, digest));
    if (known !== undefined) return known;
    const bytes = await this.inner.getBlob(repository, digest, limits);
    this.#rememberBlob(repository, digest, bytes);
    return bytes;
  }

  public async hasBlob(repository: string, digest: Digest): Promise<boolean> {
    return this.#blobs.get(key(repository, digest)) !== undefined || this.inner.hasBlob(repository, digest);
  }

  /**
   * Skips what this container put or found within `blobExistsMs`: the manifest that refers to it follows at
   * once, and should the blob be gone after all, the registry refuses that manifest (MANIFEST_BLOB_UNKNOWN),
   * which forgets it (above) and makes the caller upload again.
   */
  public async putBlob(
    repository: string,
    bytes: Buffer,
    options?: { readonly fresh?: boolean },
  ): Promise<{ readonly digest: Digest; readonly size: number }> {
    if (options?.fresh !== true) {
      const digest = sha256Digest(bytes);
      const confirmed = this.#blobExists.get(key(repository, digest));
      if (confirmed !== undefined && this.#now() - confirmed < this.#blobExistsMs)
        return { digest, size: bytes.length };
    }
    // One upload for concurrent puts of the same bytes (two formats' `{}` config): Distribution may answer a
    // manifest naming a blob whose concurrent uploads have not settled with MANIFEST_BLOB_UNKNOWN.
    const name = key(repository, sha256Digest(bytes));
    const running = this.#uploading.get(name);
    if (running !== undefined) return running;
    const upload = this.inner.putBlob(repository, bytes, options).then((stored) => {
      this.#blobExists.set(key(repository, stored.digest), this.#now());
      this.#rememberBlob(repository, stored.digest, bytes);
      return stored;
    });
    this.#uploading.set(name, upload);
    try {
      return await upload;
    } finally {
      this.#uploading.delete(name);
    }
  }

  public listTags(repository: string): Promise<string[]> {
    return this.inner.listTags(repository);
  }

  public async referrers(repository: string, digest: Digest): Promise<readonly Descriptor[] | undefined> {
    if (this.#noReferrersApi) return undefined;
    const listed = await this.inner.referrers(repository, digest);
    // A registry either routes the API or not; asking again for every listing only costs a 404 each time.
    if (listed === undefined) this.#noReferrersApi = true;
    return listed;
  }

  public requiresAuth(): Promise<boolean> {
    return this.inner.requiresAuth();
  }

  #known(repository: string, reference: string): FetchedManifest | undefined {
    return isDigest(reference) ? this.#manifests.get(key(repository, reference)) : undefined;
  }

  #remember(repository: string, manifest: FetchedManifest): FetchedManifest {
    // Kept without the etag: it belongs to the tag it was read through, not to the content.
    const { etag: _etag, ...content } = manifest;
    this.#manifests.set(key(repository, manifest.digest), content);
    return manifest;
  }

  #rememberBlob(repository: string, digest: Digest, bytes: Buffer): void {
    if (bytes.length <= this.#maxBlobBytes) this.#blobs.set(key(repository, digest), bytes);
  }
}

const key = (repository: string, digest: string): string => `${repository}@${digest}`;

/** Insertion-ordered map that drops its oldest entry beyond `max`. */
class BoundedMap<V> {
  readonly #entries = new Map<string, V>();

  public constructor(private readonly max: number) {}

  public get(name: string): V | undefined {
    return this.#entries.get(name);
  }

  public set(name: string, value: V): void {
    this.#entries.delete(name);
    this.#entries.set(name, value);
    if (this.#entries.size > this.max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }

  public delete(name: string): void {
    this.#entries.delete(name);
  }

  public deleteWhere(matches: (name: string) => boolean): void {
    for (const name of [...this.#entries.keys()]) if (matches(name)) this.#entries.delete(name);
  }
}
