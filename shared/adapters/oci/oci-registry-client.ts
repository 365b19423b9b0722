import { isDigest, type Digest } from '../../core/domain';
import { Authorizer } from './authorizer';
import { anonymous, type Credentials } from './credentials';
import { sha256Digest } from '../../core/oci/digest';
import {
  RegistryIntegrityError,
  RegistryRequestError,
  RegistryResponseTooLargeError,
} from '../../core/oci/errors';
import { formatBytes, MAX_BLOB_BYTES, MAX_MANIFEST_BYTES, type ReadLimits } from '../../core/oci/limits';
import { isDescriptor } from '../../core/oci/manifest';
import { MANIFEST_MEDIA_TYPES, MediaType } from '../../core/oci/media-types';
import type { ManifestUpload, RegistryClient } from '../../app/ports/registry-client';
import { readBody, send, statusError, type BodyLimit, type Exchange, type FetchLike } from './transport';
import type { Descriptor, FetchedManifest, ImageIndex, PutManifestResult } from '../../core/oci/types';

export interface OciRegistryClientOptions {
  /** Registry host with optional port, no scheme. */
  readonly host: string;
  /** @default anonymous */
  readonly credentials?: Credentials;
  /** @default http for loopback hosts, https otherwise */
  readonly protocol?: 'http' | 'https';
  /** @default globalThis.fetch */
  readonly fetch?: FetchLike;
  /** @default 30 000 */
  readonly timeoutMs?: number;
}

interface Call {
  readonly method: string;
  readonly path: string;
  readonly repository?: string;
  readonly push?: boolean;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer;
  /** Statuses handed back to the caller instead of being turned into errors. */
  readonly accept: readonly number[];
}

/** A response whose body is still to be read, through `read`, which bounds it. */
interface Reply {
  readonly response: Response;
  readonly read: (limit: BodyLimit) => Promise<Buffer>;
}

const ACCEPT_MANIFESTS = MANIFEST_MEDIA_TYPES.join(', ');

export class OciRegistryClient implements RegistryClient {
  public readonly host: string;
  readonly #baseUrl: string;
  readonly #fetch: FetchLike;
  readonly #timeoutMs: number;
  readonly #authorizer: Authorizer;

  public constructor(options: OciRegistryClientOptions) {
    this.host = options.host;
    const protocol = options.protocol ?? (isLoopback(options.host) ? 'http' : 'https');
    this.#baseUrl = `${protocol}://${options.host}`;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#authorizer = new Authorizer(
      options.host,
      options.credentials ?? anonymous,
      this.#fetch,
      this.#timeoutMs,
    );
  }

  public async getManifest(
    repository: string,
    reference: string,
    limits: ReadLimits = {},
  ): Promise<FetchedManifest> {
    const path = `/v2/${repository}/manifests/${reference}`;
    const limit = this.limitFor(path, limits, MAX_MANIFEST_BYTES, 'manifests');
    const { response, read } = await this.call({
      method: 'GET',
      path,
      repository,
      headers: { Accept: ACCEPT_MANIFESTS },
      accept: [200],
    });
    const bytes = await read(limit);
    const digest = sha256Digest(bytes);
    const claimed = response.headers.get('docker-content-digest');
    if (isDigest(reference) && digest !== reference) {
      throw new RegistryIntegrityError(
        `${this.host}/${repository}@${reference}: the registry served bytes that hash to ${digest}`,
      );
    }
    if (claimed !== null && claimed !== digest) {
      throw new RegistryIntegrityError(
        `${this.host}/${repository}:${reference}: the registry claims ${claimed}, the bytes hash to ${digest}`,
      );
    }
    const etag = response.headers.get('etag');
    return {
      digest,
      mediaType: contentType(response) ?? embeddedMediaType(bytes) ?? MediaType.ociManifest,
      bytes,
      ...(etag === null ? {} : { etag }),
    };
  }

  public async findManifest(
    repository: string,
    reference: string,
    limits?: ReadLimits,
  ): Promise<FetchedManifest | undefined> {
    try {
      return await this.getManifest(repository, reference, limits);
    } catch (error) {
      if (error instanceof RegistryRequestError && error.status === 404) return undefined;
      throw error;
    }
  }

  /**
   * Answered with a bounded GET, not a HEAD. fetch (undici) closes the connection after every HEAD, since a server
   * that sends a body anyway would desynchronise it (nodejs/undici#262), so each HEAD would pay for a new TCP and,
   * against ECR, TLS connection: two round trips and a handshake's CPU, four times on the critical path of a
   * signing. A manifest is a few KB, and this way its digest is computed from its bytes, not taken from a header.
   */
  public async headManifest(repository: string, reference: string): Promise<Descriptor | undefined> {
    const found = await this.findManifest(repository, reference);
    if (found === undefined) return undefined;
    return { mediaType: found.mediaType, digest: found.digest, size: found.bytes.length };
  }

  public async putManifest(
    repository: string,
    reference: string,
    manifest: ManifestUpload,
    options: { readonly ifMatch?: string } = {},
  ): Promise<PutManifestResult> {
    const digest = sha256Digest(manifest.bytes);
    const { response } = await this.call({
      method: 'PUT',
      path: `/v2/${repository}/manifests/${reference}`,
      repository,
      push: true,
      headers: {
        'Content-Type': manifest.mediaType,
        ...(options.ifMatch === undefined ? {} : { 'If-Match': options.ifMatch }),
      },
      body: manifest.bytes,
      accept: [201],
    });
    const stored = response.headers.get('docker-content-digest');
    if (stored !== null && stored !== digest) {
      throw new RegistryIntegrityError(
        `PUT ${this.host}/${repository}:${reference}: stored as ${stored}, expected ${digest}`,
      );
    }
    const subjectDigest = response.headers.get('oci-subject');
    return { digest, ...(subjectDigest === null ? {} : { subjectDigest }) };
  }

  public async deleteManifest(repository: string, digest: Digest): Promise<boolean> {
    const { response } = await this.call({
      method: 'DELETE',
      path: `/v2/${repository}/manifests/${digest}`,
      repository,
      push: true,
      accept: [202, 200, 404],
    });
    return response.status !== 404;
  }

  public async getBlob(repository: string, digest: Digest, limits: ReadLimits = {}): Promise<Buffer> {
    const path = `/v2/${repository}/blobs/${digest}`;
    const limit = this.limitFor(path, limits, MAX_BLOB_BYTES, 'blobs');
    const { read } = await this.call({ method: 'GET', path, repository, accept: [200] });
    const bytes = await read(limit);
    const actual = sha256Digest(bytes);
    if (actual !== digest) {
      throw new RegistryIntegrityError(
        `${this.host}/${repository} blob ${digest}: the bytes hash to ${actual}`,
      );
    }
    return bytes;
  }

  public async hasBlob(repository: string, digest: Digest): Promise<boolean> {
    const { response } = await this.call({
      method: 'HEAD',
      path: `/v2/${repository}/blobs/${digest}`,
      repository,
      accept: [200, 404],
    });
    return response.status === 200;
  }

  public async putBlob(
    repository: string,
    bytes: Buffer,
    options: { readonly fresh?: boolean } = {},
  ): Promise<{ readonly digest: Digest; readonly size: number }> {
    const digest = sha256Digest(bytes);
    if (options.fresh !== true && (await this.hasBlob(repository, digest)))
      return { digest, size: bytes.length };
    const { response: started } = await this.call({
      method: 'POST',
      path: `/v2/${repository}/blobs/uploads/`,
      repository,
      push: true,
      accept: [202],
    });
    const location = started.headers.get('location');
    if (location === null) throw new RegistryRequestError(`${this.host}: blob upload gave no Location`, 202);
    const target = new URL(location, `${this.#baseUrl}/v2/${repository}/blobs/uploads/`);
    target.searchParams.set('digest', digest);
    await this.call({
      method: 'PUT',
      path: target.href,
      repository,
      push: true,
      headers: { 'Content-Type': 'application/octet-stream' },
      body: bytes,
      accept: [201],
    });
    return { digest, size: bytes.length };
  }

  public async listTags(repository: string): Promise<string[]> {
    const tags: string[] = [];
    let path: string | undefined = `/v2/${repository}/tags/list?n=1000`;
    // Bounded so a registry with a looping Link header cannot keep us here.
    for (let page = 0; path !== undefined && page < 1000; page += 1) {
      const { response, read } = await this.call({ method: 'GET', path, repository, accept: [200, 404] });
      if (response.status === 404) {
        await response.body?.cancel();
        return tags;
      }
      const body = parseJson(await read({ maxBytes: MAX_MANIFEST_BYTES, what: 'tag lists' })) as {
        tags?: unknown;
      };
      if (Array.isArray(body.tags))
        tags.push(...body.tags.filter((tag): tag is string => typeof tag === 'string'));
      path = nextLink(response.headers.get('link'));
    }
    return tags;
  }

  public async referrers(repository: string, digest: Digest): Promise<readonly Descriptor[] | undefined> {
    const { response, read } = await this.call({
      method: 'GET',
      path: `/v2/${repository}/referrers/${digest}`,
      repository,
      headers: { Accept: MediaType.ociIndex },
      accept: [200, 404, 405],
    });
    if (response.status !== 200 || contentType(response) !== MediaType.ociIndex) {
      await response.body?.cancel();
      return undefined;
    }
    // The listing is an image index: the manifest limit bounds it, and so how many referrers one answer can name.
    const index = parseJson(
      await read({ maxBytes: MAX_MANIFEST_BYTES, what: 'referrers listings' }),
    ) as Partial<ImageIndex>;
    return Array.isArray(index.manifests) ? index.manifests.filter(isDescriptor) : [];
  }

  public async requiresAuth(): Promise<boolean> {
    const exchange = { method: 'GET', url: `${this.#baseUrl}/v2/` };
    const response = await send(this.#fetch, exchange, this.#timeoutMs);
    await response.body?.cancel();
    if (response.status === 401) return true;
    if (response.ok) return false;
    throw await statusError(exchange, response);
  }

  /**
   * The ceiling for one read: the caller's, the descriptor's declared size, or the default. A declared size over the
   * ceiling is refused here, before any request, so a descriptor pointing at a 100 MiB blob costs nothing.
   */
  private limitFor(path: string, limits: ReadLimits, fallback: number, kind: string): BodyLimit {
    const maxBytes = limits.maxBytes ?? fallback;
    const what = limits.what ?? kind;
    if (limits.size !== undefined && limits.size > maxBytes) {
      const url = `${this.#baseUrl}${path}`;
      throw new RegistryResponseTooLargeError(
        `GET ${url}: the descriptor declares ${limits.size} bytes, over the ${formatBytes(maxBytes)} limit for ${what}; not read`,
        url,
        maxBytes,
      );
    }
    // Cut off at the declared size too: bytes beyond it cannot hash to the digest anyway.
    return { maxBytes: Math.min(maxBytes, limits.size ?? maxBytes), what };
  }

  private async call(call: Call): Promise<Reply> {
    const scope =
      call.repository === undefined
        ? ''
        : `repository:${call.repository}:${call.push ? 'pull,push' : 'pull'}`;
    const url = call.path.startsWith('/') ? `${this.#baseUrl}${call.path}` : call.path;
    // Two rounds at most: the first may be answered by a 401 challenge the authorizer learns from.
    for (let round = 0; ; round += 1) {
      const authorization = this.#authorizer.header(scope);
      const exchange: Exchange = {
        method: call.method,
        url,
        headers: {
          ...call.headers,
          ...(authorization === undefined ? {} : { Authorization: authorization }),
        },
        ...(call.body === undefined ? {} : { body: call.body }),
      };
      const response = await send(this.#fetch, exchange, this.#timeoutMs);
      if (response.status === 401 && round === 0) {
        await response.body?.cancel();
        if (await this.#authorizer.answer(response.headers.get('www-authenticate'), scope)) continue;
        throw new RegistryRequestError(
          `${call.method} ${url} answered 401 and no credentials for ${this.host} were accepted`,
          401,
        );
      }
      if (call.accept.includes(response.status)) {
        return { response, read: (limit) => readBody(exchange, response, limit, this.#timeoutMs) };
      }
      throw await statusError(exchange, response);
    }
  }
}

const isLoopback = (host: string): boolean => {
  const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
};

const contentType = (response: Response): string | undefined =>
  response.headers.get('content-type')?.split(';')[0]?.trim() || undefined;

const embeddedMediaType = (bytes: Buffer): string | undefined => {
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown };
    return typeof parsed.mediaType === 'string' ? parsed.mediaType : undefined;
  } catch {
    return undefined;
  }
};

// Registries answer these with JSON; anything else is a registry we cannot understand, not one that is down.
const parseJson = (bytes: Buffer): unknown => {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (error) {
    throw new RegistryIntegrityError(`the registry answered with a body that is not JSON`, { cause: error });
  }
};

const nextLink = (link: string | null): string | undefined => {
  const match = link === null ? null : /<([^>]+)>\s*;\s*rel="?next"?/.exec(link);
  return match?.[1];
};
