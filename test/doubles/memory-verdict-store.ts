import {
  ConcurrentUpdateError,
  type Digest,
  type ImageRecord,
  type SignatureRef,
  type Verdict,
} from '../../shared/core/domain';
import { imageKey } from '../../shared/core/domain/image-ref';
import { scopePrefix } from '../../shared/core/domain/image-scope';
import type {
  ImageKeyParts,
  PushRecordInput,
  PushRecordResult,
  SigningLease,
  VerdictStore,
} from '../../shared/app/ports';
import { mergePush } from '../../shared/adapters/aws/dynamodb/verdict-store';

/**
 * The VerdictStore port in memory, with the DynamoDB adapter's conditions: a write at another version than the
 * record's is refused with ConcurrentUpdateError, markAnnounced clears the flag only while the record holds that
 * verdict, and a push merges as the adapter merges it (its own pure `mergePush`).
 */
export class MemoryVerdictStore implements VerdictStore {
  /** Keyed `repository@digest`. */
  public readonly records = new Map<string, ImageRecord>();
  /** Tag pointers, keyed `repository:tag`. */
  public readonly tags = new Map<string, Digest>();
  /** Every saveVerdict, refused or not, in order. */
  public readonly verdictSaves: {
    readonly image: ImageKeyParts;
    readonly verdict: Verdict;
    readonly expectedVersion: number;
  }[] = [];
  /** Every saveSignatures, refused or not, in order. */
  public readonly signatureSaves: {
    readonly image: ImageKeyParts;
    readonly signatures: readonly SignatureRef[];
    readonly expectedVersion: number;
  }[] = [];
  /** How many times get was called. */
  public gets = 0;
  /** Runs before each get answers: a test changes the record between two reads, as a concurrent writer would. */
  public onGet: ((key: string, count: number) => void) | undefined;
  /** Refuses this many of the next conditional writes, bumping the version as the writer in between did. */
  public conflictNext = 0;

  public constructor(...records: ImageRecord[]) {
    for (const record of records) this.put(record);
  }

  /** Stores a record as it is, unconditionally: the state a test starts from. */
  public put(record: ImageRecord): void {
    this.records.set(imageKey(record.image), record);
  }

  public get(image: ImageKeyParts): Promise<ImageRecord | undefined> {
    const key = imageKey(image);
    this.gets += 1;
    this.onGet?.(key, this.gets);
    return Promise.resolve(this.records.get(key));
  }

  public recordPush(input: PushRecordInput): Promise<PushRecordResult> {
    const current = this.records.get(imageKey(input.image));
    const next = mergePush(current, input);
    if (next === current && current !== undefined)
      return Promise.resolve({ created: false, record: current });
    this.put(next);
    return Promise.resolve({ created: current === undefined || current.status === 'DELETED', record: next });
  }

  public saveVerdict(
    image: ImageKeyParts,
    verdict: Verdict,
    expectedVersion: number,
    announcer?: string,
  ): Promise<ImageRecord> {
    this.verdictSaves.push({ image, verdict, expectedVersion });
    // As the adapter does: an earlier decision's announcer is not this one's.
    return this.update(
      image,
      expectedVersion,
      {
        verdict,
        status: 'DECIDED',
        announcementPending: true,
        ...(announcer === undefined ? {} : { announcer }),
      },
      announcer === undefined ? ['announcer'] : [],
    );
  }

  public saveSignatures(
    image: ImageKeyParts,
    signatures: readonly SignatureRef[],
    expectedVersion: number,
  ): Promise<ImageRecord> {
    this.signatureSaves.push({ image, signatures, expectedVersion });
    return this.update(image, expectedVersion, { signatures });
  }

  public markAnnounced(image: ImageKeyParts, decidedAt: string): Promise<boolean> {
    const current = this.records.get(imageKey(image));
    if (current?.verdict?.decidedAt !== decidedAt) return Promise.resolve(false);
    const { announcementPending: _cleared, announcer: _announcer, ...rest } = current;
    this.put(rest);
    return Promise.resolve(true);
  }

  /** Signing leases by `repository@digest`, as the adapter keeps them on the record. */
  public readonly leases = new Map<
    string,
    { readonly holder: string; readonly until: string; readonly decidedAt: string }
  >();

  public claimSigning(image: ImageKeyParts, lease: SigningLease): Promise<boolean> {
    const key = imageKey(image);
    if (this.records.get(key)?.verdict?.decidedAt !== lease.decidedAt) return Promise.resolve(false);
    const held = this.leases.get(key);
    const live =
      held !== undefined &&
      held.decidedAt === lease.decidedAt &&
      held.until >= lease.now &&
      held.until <= lease.until;
    if (live && held.holder !== lease.holder) return Promise.resolve(false);
    this.leases.set(key, { holder: lease.holder, until: lease.until, decidedAt: lease.decidedAt });
    return Promise.resolve(true);
  }

  public releaseSigning(image: ImageKeyParts, holder: string): Promise<void> {
    if (this.leases.get(imageKey(image))?.holder === holder) this.leases.delete(imageKey(image));
    return Promise.resolve();
  }

  public markDeleted(image: ImageKeyParts, at: string): Promise<void> {
    const current = this.records.get(imageKey(image));
    if (current !== undefined)
      this.put({ ...current, status: 'DELETED', updatedAt: at, version: current.version + 1 });
    return Promise.resolve();
  }

  public moveTag(image: ImageKeyParts, tag: string): Promise<Digest | undefined> {
    const { digest } = image;
    const key = `${scopePrefix(image.scope)}${image.repository}:${tag}`;
    const previous = this.tags.get(key);
    this.tags.set(key, digest);
    return Promise.resolve(previous !== undefined && previous !== digest ? previous : undefined);
  }

  private update(
    image: ImageKeyParts,
    expectedVersion: number,
    change: Partial<ImageRecord>,
    remove: readonly (keyof ImageRecord)[] = [],
  ): Promise<ImageRecord> {
    const key = imageKey(image);
    const current = this.records.get(key);
    if (current !== undefined && this.conflictNext > 0) {
      this.conflictNext -= 1;
      this.put({ ...current, version: current.version + 1 });
      return Promise.reject(new ConcurrentUpdateError(`${key} is no longer at version ${expectedVersion}`));
    }
    if (current?.version !== expectedVersion) {
      return Promise.reject(new ConcurrentUpdateError(`${key} is no longer at version ${expectedVersion}`));
    }
    const next: ImageRecord = {
      ...current,
      ...change,
      version: expectedVersion + 1,
      updatedAt: new Date().toISOString(),
    };
    for (const attribute of remove) delete (next as Partial<ImageRecord>)[attribute];
    this.put(next);
    return Promise.resolve(next);
  }
}
