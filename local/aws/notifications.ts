import { isDigest } from '../../shared/core/domain';
import { MANIFEST_MEDIA_TYPES } from '../../shared/adapters/oci';
import type { Background } from './background';
import type { PushObserver } from './ecr/push-observer';

/** Distribution's notification envelope; only the fields the stand-in reads. */
interface RegistryEvent {
  readonly action?: unknown;
  readonly timestamp?: unknown;
  readonly target?: {
    readonly mediaType?: unknown;
    readonly digest?: unknown;
    readonly repository?: unknown;
    readonly tag?: unknown;
    readonly url?: unknown;
  };
  readonly request?: { readonly id?: unknown };
}

export const NOTIFICATIONS_PATH = '/registry/notifications';

/**
 * Receives Distribution's notifications (`POST /registry/notifications`, content type
 * `application/vnd.docker.distribution.events.v1+json`). Distribution 2.8 sends one envelope per
 * request: a `push` for every blob (media type `application/octet-stream`) and every manifest PUT (its
 * media type, and `target.tag` when pushed by tag), `pull` for reads, and for a manifest DELETE one
 * `delete` naming the digest followed by one per tag that named it (tag only, same request id).
 * Manifest pushes and deletes become ECR Image Action events, in the order they arrived.
 */
export class RegistryNotifications {
  #chain: Promise<void> = Promise.resolve();

  public constructor(
    private readonly pushes: PushObserver,
    private readonly background: Background,
  ) {}

  /** Queues the envelope; the registry gets its 200 at once and never waits for the pipeline. */
  public receive(envelope: unknown): void {
    const events = (envelope as { events?: unknown } | null)?.events;
    if (!Array.isArray(events) || this.background.stopped) return;
    for (const event of events as RegistryEvent[]) {
      const next = this.#chain.then(() => this.handle(event));
      this.#chain = next.catch(() => undefined);
      this.background.run('registry notification', () => next);
    }
  }

  private async handle(event: RegistryEvent): Promise<void> {
    const target = event.target;
    const repository = typeof target?.repository === 'string' ? target.repository : undefined;
    if (repository === undefined) return;
    const digest = isDigest(target?.digest) ? target.digest : undefined;
    const tag = typeof target?.tag === 'string' ? target.tag : undefined;
    const requestId = typeof event.request?.id === 'string' ? event.request.id : undefined;
    if (event.action === 'push' && digest !== undefined && isManifest(target)) {
      const at = typeof event.timestamp === 'string' ? new Date(event.timestamp) : undefined;
      await this.pushes.pushed({
        repository,
        digest,
        ...(tag === undefined ? {} : { tag }),
        ...(typeof target?.mediaType === 'string' ? { mediaType: target.mediaType } : {}),
        ...(at === undefined || Number.isNaN(at.getTime()) ? {} : { at }),
      });
    } else if (event.action === 'delete') {
      this.pushes.registryDeleted({
        repository,
        ...(digest === undefined ? {} : { digest }),
        ...(tag === undefined ? {} : { tag }),
        ...(requestId === undefined ? {} : { requestId }),
      });
    }
  }
}

/** A manifest, not a blob: blobs are pushed as application/octet-stream to a `/blobs/` URL. */
const isManifest = (target: RegistryEvent['target']): boolean =>
  (typeof target?.mediaType === 'string' && MANIFEST_MEDIA_TYPES.includes(target.mediaType)) ||
  (typeof target?.url === 'string' && target.url.includes('/manifests/'));
