import type { Digest } from '../../../shared/core/domain';

/** How long a remembered tag is trusted without a push or delete confirming it. */
export const TAG_CACHE_TTL_MS = 60_000;

/**
 * What each tag of a repository points to, as last read from the registry or learnt from a push, so that the
 * ECR views (a scan event's `image-tags`, DescribeImages) do not read every tag's manifest each time: a
 * repository with signatures has two tags per image, and reading them all made the stand-in the registry's
 * busiest client (33 manifest GETs an image in the bench, against the pipeline's 7).
 *
 * A tag moves only by a manifest PUT, and every PUT reaches the stand-in as a push (Distribution's
 * notifications, or the watcher's poll for `--registry URL`), which updates the entry before it becomes an
 * event. Between the PUT and its notification an entry can be stale for a few milliseconds, as ECR's own events
 * lag its API; the TTL bounds what a lost notification could leave behind.
 */
export class TagCache {
  readonly #byRepository = new Map<string, Map<string, { digest: Digest; at: number }>>();

  public constructor(
    private readonly clock: () => number = () => performance.now(),
    private readonly ttlMs = TAG_CACHE_TTL_MS,
  ) {}

  public get(repository: string, tag: string): Digest | undefined {
    const entry = this.#byRepository.get(repository)?.get(tag);
    if (entry === undefined) return undefined;
    if (this.clock() - entry.at > this.ttlMs) {
      this.#byRepository.get(repository)?.delete(tag);
      return undefined;
    }
    return entry.digest;
  }

  public set(repository: string, tag: string, digest: Digest): void {
    let tags = this.#byRepository.get(repository);
    if (tags === undefined) {
      tags = new Map();
      this.#byRepository.set(repository, tags);
    }
    tags.set(tag, { digest, at: this.clock() });
  }

  /** Only `listed` exist now: a tag the listing no longer has is gone. */
  public keepOnly(repository: string, listed: readonly string[]): void {
    const tags = this.#byRepository.get(repository);
    if (tags === undefined) return;
    const keep = new Set(listed);
    for (const tag of tags.keys()) if (!keep.has(tag)) tags.delete(tag);
  }

  /** The manifest is gone, and with it every tag that named it. */
  public forgetDigest(repository: string, digest: string): void {
    const tags = this.#byRepository.get(repository);
    if (tags === undefined) return;
    for (const [tag, entry] of tags) if (entry.digest === digest) tags.delete(tag);
  }
}
