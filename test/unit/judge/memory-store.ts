import {
  ConcurrentUpdateError,
  type Digest,
  type ImageRecord,
  type SignatureRef,
  type Verdict,
} from '../../../shared/core/domain';
import { imageKey } from '../../../shared/core/domain/image-ref';
import type {
  ImageKeyParts,
  PushRecordInput,
  PushRecordResult,
  VerdictStore,
} from '../../../shared/app/ports';

/** A VerdictStore in memory with the same version checks as the DynamoDB one. */
export class MemoryVerdictStore implements VerdictStore {
  public readonly records = new Map<string, ImageRecord>();
  public readonly saves: { image: ImageKeyParts; verdict: Verdict; expectedVersion: number }[] = [];

  public constructor(...records: ImageRecord[]) {
    for (const record of records) this.records.set(imageKey(record.image), record);
  }

  public get(image: ImageKeyParts): Promise<ImageRecord | undefined> {
    return Promise.resolve(this.records.get(imageKey(image)));
  }

  public recordPush(_input: PushRecordInput): Promise<PushRecordResult> {
    return Promise.reject(new Error('not used by judging'));
  }

  public saveVerdict(image: ImageKeyParts, verdict: Verdict, expectedVersion: number): Promise<ImageRecord> {
    this.saves.push({ image, verdict, expectedVersion });
    return this.update(image, expectedVersion, { verdict, status: 'DECIDED', announcementPending: true });
  }

  public saveSignatures(
    image: ImageKeyParts,
    signatures: readonly SignatureRef[],
    expectedVersion: number,
  ): Promise<ImageRecord> {
    return this.update(image, expectedVersion, { signatures });
  }

  public markAnnounced(image: ImageKeyParts, decidedAt: string): Promise<boolean> {
    const current = this.records.get(imageKey(image));
    if (current?.verdict?.decidedAt !== decidedAt) return Promise.resolve(false);
    const { announcementPending: _cleared, ...rest } = current;
    this.records.set(imageKey(image), rest);
    return Promise.resolve(true);
  }

  public markDeleted(): Promise<void> {
    return Promise.reject(new Error('not used by judging'));
  }

  public moveTag(): Promise<Digest | undefined> {
    return Promise.reject(new Error('not used by judging'));
  }

  private update(
    image: ImageKeyParts,
    expectedVersion: number,
    change: Partial<ImageRecord>,
  ): Promise<ImageRecord> {
    const current = this.records.get(imageKey(image));
    if (current?.version !== expectedVersion) {
      return Promise.reject(
        new ConcurrentUpdateError(`${imageKey(image)} is no longer at version ${expectedVersion}`),
      );
    }
    const next: ImageRecord = { ...current, ...change, version: expectedVersion + 1, updatedAt: 'now' };
    this.records.set(imageKey(image), next);
    return Promise.resolve(next);
  }
}
