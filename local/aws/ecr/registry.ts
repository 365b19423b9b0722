import { isDigest, type Digest } from '../../../shared/core/domain';
import {
  anonymous,
  OciRegistryClient,
  parseManifest,
  staticCredentials,
  type FetchedManifest,
  type ParsedManifest,
  type RegistryCredentials,
} from '../../../shared/adapters/oci';
import type { EcrState } from './ecr-state';
import { TagCache } from './tag-cache';

export interface RegistryConnection {
  /** e.g. `http://127.0.0.1:5000`: the real OCI registry the ECR APIs are answered from. */
  readonly url: string;
  /** @default anonymous */
  readonly credentials?: RegistryCredentials;
  /**
   * The URL clients are told (GetAuthorizationToken's proxyEndpoint, repositoryUri) when something stands
   * between them and the registry, such as the fault-injecting proxy of the reliability tests. The stand-in's
   * own reads (push notifications, scans) still go to `url`: ECR's internals do not see the clients' faults.
   * @default url
   */
  readonly publicUrl?: string;
  /**
   * Where the stand-in reads manifests, tags, blobs and the catalog: the registry's storage itself when the
   * registry front stands at `url`. Those reads were a third of the front's traffic, passed through unchanged;
   * ECR's internals do not go through its public endpoint either. Deletes still go to `url`, so that the front's
   * referrers index sees them.
   * @default url
   */
  readonly readUrl?: string;
}

export interface StoredManifest extends FetchedManifest {
  /** `undefined` when the bytes are not a manifest Tollgate can walk (e.g. schema 1). */
  readonly parsed: ParsedManifest | undefined;
}

/** The registry seen the way ECR shows it: untagged tags hidden (see EcrState), catalog included. */
export class RegistryView {
  public readonly url: string;
  /** The origin clients are told to use (see RegistryConnection.publicUrl). */
  public readonly publicUrl: string;
  /** `host:port` of `publicUrl`, as in image references and ECR's repositoryUri. */
  public readonly host: string;
  /** Reads (see RegistryConnection.readUrl). */
  public readonly client: OciRegistryClient;
  /** Writes, through `url`. */
  public readonly writer: OciRegistryClient;
  readonly #readOrigin: string;
  readonly #tags = new TagCache();

  public constructor(
    private readonly connection: RegistryConnection,
    private readonly state: EcrState,
  ) {
    const url = new URL(connection.url);
    this.url = url.origin;
    const publicUrl = new URL(connection.publicUrl ?? connection.url);
    this.publicUrl = publicUrl.origin;
    this.host = publicUrl.host;
    const clientOf = (at: URL): OciRegistryClient =>
      new OciRegistryClient({
        host: at.host,
        protocol: at.protocol === 'https:' ? 'https' : 'http',
        credentials:
          connection.credentials === undefined ? anonymous : staticCredentials(connection.credentials),
      });
    const readUrl = new URL(connection.readUrl ?? connection.url);
    this.#readOrigin = readUrl.origin;
    this.client = clientOf(readUrl);
    this.writer = readUrl.origin === url.origin ? this.client : clientOf(url);
  }

  /** `/v2/_catalog`, every page. */
  public async repositories(): Promise<string[]> {
    const names: string[] = [];
    let next: string | undefined = `${this.#readOrigin}/v2/_catalog?n=1000`;
    for (let page = 0; next !== undefined && page < 1000; page += 1) {
      const response: Response = await fetch(next, { headers: this.authorization() });
      if (!response.ok) throw new Error(`GET ${next} answered ${response.status}`);
      const body = (await response.json()) as { repositories?: unknown };
      if (Array.isArray(body.repositories)) {
        names.push(...body.repositories.filter((name): name is string => typeof name === 'string'));
      }
      const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(response.headers.get('link') ?? '')?.[1];
      next = link === undefined ? undefined : new URL(link, this.#readOrigin).href;
    }
    return names;
  }

  /** Visible tag → digest: the tag listing, and a manifest read for each tag the cache does not hold. */
  public async tags(repository: string): Promise<Map<string, Digest>> {
    const tags = await this.client.listTags(repository);
    this.#tags.keepOnly(repository, tags);
    const resolved = await Promise.all(
      tags.map(
        async (tag) =>
          [tag, this.#tags.get(repository, tag) ?? (await this.readTag(repository, tag))] as const,
      ),
    );
    const visible = new Map<string, Digest>();
    for (const [tag, digest] of resolved) {
      if (digest !== undefined && !this.state.isHidden(repository, tag, digest)) visible.set(tag, digest);
    }
    return visible;
  }

  public async tagsOf(repository: string, digest: string): Promise<string[]> {
    const tags = await this.tags(repository);
    return [...tags].filter(([, target]) => target === digest).map(([tag]) => tag);
  }

  public async resolveTag(repository: string, tag: string): Promise<Digest | undefined> {
    const digest = await this.readTag(repository, tag);
    return digest === undefined || this.state.isHidden(repository, tag, digest) ? undefined : digest;
  }

  /** A push of `tag` (a notification, or the watcher's poll): what the tag points to from now on. */
  public tagPushed(repository: string, tag: string, digest: Digest): void {
    this.#tags.set(repository, tag, digest);
  }

  /** The manifest was deleted, and with it the tags that named it. */
  public digestDeleted(repository: string, digest: string): void {
    this.#tags.forgetDigest(repository, digest);
  }

  private async readTag(repository: string, tag: string): Promise<Digest | undefined> {
    const digest = (await this.client.headManifest(repository, tag))?.digest;
    if (digest !== undefined) this.#tags.set(repository, tag, digest);
    return digest;
  }

  public async manifest(repository: string, digest: string): Promise<StoredManifest | undefined> {
    if (!isDigest(digest)) return undefined;
    const fetched = await this.client.findManifest(repository, digest);
    if (fetched === undefined) return undefined;
    let parsed: ParsedManifest | undefined;
    try {
      parsed = parseManifest(fetched);
    } catch {
      parsed = undefined;
    }
    return { ...fetched, parsed };
  }

  private authorization(): Record<string, string> {
    const credentials = this.connection.credentials;
    if (credentials === undefined) return {};
    const token = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
    return { Authorization: `Basic ${token}` };
  }
}
