import { join } from 'node:path';
import type { RepositoryMutability } from '../../../shared/app/push/immutability';
import { DeferredStateFile, readState } from '../state-file';

export interface RepositorySettings extends RepositoryMutability {
  /** ISO 8601; when the stand-in first saw or made the repository. */
  readonly createdAt: string;
}

interface EcrStateFile {
  readonly repositories: Readonly<Record<string, RepositorySettings>>;
  /** repository → tag → the digest it pointed to when BatchDeleteImage removed it. */
  readonly untagged: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** `repository@digest` → ISO push time, for images the stand-in has seen pushed. */
  readonly pushed: Readonly<Record<string, string>>;
}

/**
 * What ECR knows and Distribution does not: tag mutability settings, push times, and the tags that
 * BatchDeleteImage removed. Distribution 2.8 cannot delete a tag (`DELETE /v2/<name>/manifests/<tag>`
 * answers 400 DIGEST_INVALID), so an untag is an overlay here: the tag still exists in the registry, but
 * the stand-in hides it from DescribeImages, ListImages, BatchGetImage and tag resolution until it is
 * pushed again. Clients that talk to the registry directly still see it.
 */
export class EcrState {
  readonly #file: DeferredStateFile;
  #state: EcrStateFile;

  public constructor(stateDir: string, onWriteError: (error: unknown) => void) {
    const path = join(stateDir, 'ecr', 'state.json');
    this.#state = readState<EcrStateFile>(path, { repositories: {}, untagged: {}, pushed: {} });
    this.#file = new DeferredStateFile(path, onWriteError);
  }

  /** Writes pending changes now (the stand-in's stop). */
  public flush(): void {
    this.#file.flush();
  }

  public settings(repository: string): RepositorySettings | undefined {
    return this.#state.repositories[repository];
  }

  public putSettings(repository: string, settings: RepositorySettings): void {
    this.save({ ...this.#state, repositories: { ...this.#state.repositories, [repository]: settings } });
  }

  /** Repositories made by CreateRepository or configured before their first push. */
  public knownRepositories(): string[] {
    return Object.keys(this.#state.repositories);
  }

  public isHidden(repository: string, tag: string, digest: string): boolean {
    return this.#state.untagged[repository]?.[tag] === digest;
  }

  public hide(repository: string, tag: string, digest: string): void {
    this.setUntagged(repository, { ...this.#state.untagged[repository], [tag]: digest });
  }

  /** A push of `tag` makes it visible again, whatever it points to now. */
  public unhide(repository: string, tag: string): void {
    const { [tag]: hidden, ...rest } = this.#state.untagged[repository] ?? {};
    if (hidden !== undefined) this.setUntagged(repository, rest);
  }

  public forgetDigest(repository: string, digest: string): void {
    const tags = Object.entries(this.#state.untagged[repository] ?? {}).filter(
      ([, target]) => target !== digest,
    );
    const { [`${repository}@${digest}`]: _pushed, ...pushed } = this.#state.pushed;
    this.save({
      ...this.#state,
      pushed,
      untagged: { ...this.#state.untagged, [repository]: Object.fromEntries(tags) },
    });
  }

  /** Records a push; the first push time is the one ECR reports. */
  public rememberPush(repository: string, digest: string, at: Date): void {
    const key = `${repository}@${digest}`;
    if (this.#state.pushed[key] !== undefined) return;
    this.save({ ...this.#state, pushed: { ...this.#state.pushed, [key]: at.toISOString() } });
  }

  public pushedAt(repository: string, digest: string): Date | undefined {
    const at = this.#state.pushed[`${repository}@${digest}`];
    return at === undefined ? undefined : new Date(at);
  }

  /** Digests seen pushed to `repository`: Distribution cannot list untagged manifests, so this is how. */
  public pushedDigests(repository: string): string[] {
    const prefix = `${repository}@`;
    return Object.keys(this.#state.pushed)
      .filter((key) => key.startsWith(prefix))
      .map((key) => key.slice(prefix.length));
  }

  private setUntagged(repository: string, tags: Readonly<Record<string, string>>): void {
    this.save({ ...this.#state, untagged: { ...this.#state.untagged, [repository]: tags } });
  }

  private save(state: EcrStateFile): void {
    this.#state = state;
    this.#file.changed(() => this.#state);
  }
}
