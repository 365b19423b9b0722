import type { Digest } from '../../../shared/core/domain';
import { DEFAULT_BUS } from '../context';
import type { EcrDeps } from './deps';
import { artifactMediaType, imageActionEvent, type ImageAction } from './image-action';
import { scanOnPush } from './scanning';

export interface ObservedPush {
  readonly repository: string;
  readonly digest: Digest;
  /** Absent for a push by digest. */
  readonly tag?: string;
  /** The manifest media type, when the observer already knows it. */
  readonly mediaType?: string;
  /** @default now */
  readonly at?: Date;
}

export interface ObservedDelete {
  readonly repository: string;
  readonly digest?: Digest;
  readonly tag?: string;
  /** Distribution's request id: a digest delete and the tag deletes it causes share it. */
  readonly requestId?: string;
}

/**
 * Turns what happens in the registry into what ECR would do: an `ECR Image Action` event on the default
 * bus for each push and delete, then scan on push. Pushes come from registry notifications, or from the
 * orchestrator when it polls a registry that sends none.
 */
export class PushObserver {
  /** `repository@digest:tag`: Distribution notifies again for a repeated PUT; ECR does not. */
  readonly #seen = new Set<string>();
  /** Deletes the stand-in made itself and announced already; the registry's notices of them are dropped. */
  readonly #ownDeletes = new Set<string>();
  /** Distribution request id → the digest it deleted, to name the digest in the tag deletes that follow. */
  readonly #deletedByRequest = new Map<string, Digest>();

  public constructor(private readonly deps: EcrDeps) {}

  public async pushed(push: ObservedPush): Promise<void> {
    const { repository, digest, tag } = push;
    // Before the repeat check: a tag moved back to a digest it named before is a repeat, and still a move.
    if (tag !== undefined) this.deps.registry.tagPushed(repository, tag, digest);
    const seenKey = `${repository}@${digest}:${tag ?? ''}`;
    if (this.#seen.has(seenKey)) return;
    this.#seen.add(seenKey);
    this.#ownDeletes.delete(`${repository}@${digest}`);
    this.deps.state.rememberPush(repository, digest, push.at ?? this.deps.context.now());
    if (tag !== undefined) this.deps.state.unhide(repository, tag);
    const manifest = await this.deps.registry.manifest(repository, digest);
    const mediaType = push.mediaType ?? manifest?.mediaType;
    const artifact = artifactMediaType(manifest?.parsed);
    this.emit({
      action: 'PUSH',
      repository,
      digest,
      ...(tag === undefined ? {} : { tag }),
      ...(mediaType === undefined ? {} : { manifestMediaType: mediaType }),
      ...(artifact === undefined ? {} : { artifactMediaType: artifact }),
    });
    await scanOnPush(this.deps, repository, digest, manifest);
  }

  /**
   * BatchDeleteImage by tag. Distribution cannot delete a tag, so it is hidden (see EcrState). As in ECR,
   * removing an image's last tag deletes the image.
   */
  public async untag(repository: string, tag: string, digest: Digest): Promise<void> {
    this.deps.state.hide(repository, tag, digest);
    this.#seen.delete(`${repository}@${digest}:${tag}`);
    this.emit({ action: 'DELETE', repository, digest, tag });
    if ((await this.deps.registry.tagsOf(repository, digest)).length === 0) {
      await this.removeManifest(repository, digest);
    }
  }

  /** BatchDeleteImage by digest: the manifest goes, and with it every tag that named it. */
  public async deleteImage(repository: string, digest: Digest): Promise<void> {
    const tags = await this.deps.registry.tagsOf(repository, digest);
    this.emit({ action: 'DELETE', repository, digest });
    for (const tag of tags) this.emit({ action: 'DELETE', repository, digest, tag });
    await this.removeManifest(repository, digest);
  }

  /** A delete the registry notified: made by someone else, unless the stand-in made it. */
  public registryDeleted(deleted: ObservedDelete): void {
    const { repository, digest, tag } = deleted;
    if (digest !== undefined && deleted.requestId !== undefined)
      this.#deletedByRequest.set(deleted.requestId, digest);
    const named =
      digest ?? (deleted.requestId === undefined ? undefined : this.#deletedByRequest.get(deleted.requestId));
    if (named === undefined) {
      this.deps.context.log(`registry deleted ${repository}:${tag ?? '?'} without a digest; no event`);
      return;
    }
    if (this.#ownDeletes.has(`${repository}@${named}`)) return;
    if (tag === undefined) this.forget(repository, named);
    this.emit({ action: 'DELETE', repository, digest: named, ...(tag === undefined ? {} : { tag }) });
  }

  private async removeManifest(repository: string, digest: Digest): Promise<void> {
    this.#ownDeletes.add(`${repository}@${digest}`);
    await this.deps.registry.writer.deleteManifest(repository, digest);
    this.forget(repository, digest);
  }

  private forget(repository: string, digest: string): void {
    this.deps.registry.digestDeleted(repository, digest);
    this.deps.state.forgetDigest(repository, digest);
    for (const key of this.#seen) if (key.startsWith(`${repository}@${digest}:`)) this.#seen.delete(key);
  }

  private emit(action: ImageAction): void {
    const { context } = this.deps;
    context.events.record(
      DEFAULT_BUS,
      imageActionEvent(action, { accountId: context.accountId, region: context.region, time: context.now() }),
    );
  }
}
