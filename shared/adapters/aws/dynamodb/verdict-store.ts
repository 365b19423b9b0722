import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { withScope } from '../../../core/domain/image-scope';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Digest } from '../../../core/domain/digest';
import { ConcurrentUpdateError } from '../../../core/domain/errors';
import type { ImageRecord } from '../../../core/domain/image-record';
import { imageKey } from '../../../core/domain/image-ref';
import type { SignatureRef, Verdict } from '../../../core/domain/verdict';
import type {
  ImageKeyParts,
  PushRecordInput,
  PushRecordResult,
  SigningLease,
  VerdictStore,
} from '../../../app/ports/verdict-store';
import { fromItem, imageItemKey, tagItemKey, toItem, type TagItem } from './items';

/** Read-modify-write rounds before a push gives up to Lambda's retry. Contention on one digest is rare. */
const PUSH_ATTEMPTS = 5;

export interface DynamoVerdictStoreProps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

/**
 * The verdict table on DynamoDB. Every write carries a condition (the record is absent, or still at the
 * version the writer read), so a duplicate, late or concurrent event can never overwrite newer state.
 */
export class DynamoVerdictStore implements VerdictStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  public constructor(props: DynamoVerdictStoreProps) {
    this.client = props.client;
    this.tableName = props.tableName;
  }

  public async get(image: ImageKeyParts): Promise<ImageRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: imageItemKey(image), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : fromItem(Item);
  }

  public async recordPush(input: PushRecordInput): Promise<PushRecordResult> {
    // A digest seen for the first time, the common case, is created by one conditional write without a read
    // before it: one call off every image's critical path. A digest already known costs one refused write more.
    const fresh = mergePush(undefined, input);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(fresh),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { created: true, record: fresh };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    for (let attempt = 0; attempt < PUSH_ATTEMPTS; attempt++) {
      const current = await this.get(input.image);
      const next = mergePush(current, input);
      if (next === current && current !== undefined) return { created: false, record: current };
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: toItem(next),
            ...(current === undefined
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  ConditionExpression: '#version = :version',
                  ExpressionAttributeNames: { '#version': 'version' },
                  ExpressionAttributeValues: { ':version': current.version },
                }),
          }),
        );
        // A digest pushed again after it was deleted is a new pipeline: it must be judged again.
        return { created: current === undefined || current.status === 'DELETED', record: next };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    throw new ConcurrentUpdateError(`${imageKey(input.image)} kept changing while recording a push`);
  }

  public saveVerdict(
    image: ImageKeyParts,
    verdict: Verdict,
    expectedVersion: number,
    announcer?: string,
  ): Promise<ImageRecord> {
    const set = 'SET verdict = :verdict, #status = :decided, announcementPending = :pending';
    const values = { ':verdict': verdict, ':decided': 'DECIDED', ':pending': true };
    // An announcer left by an earlier decision whose announcement never completed is not this one's.
    return announcer === undefined
      ? this.update(image, expectedVersion, set, values, 'announcer')
      : this.update(image, expectedVersion, `${set}, announcer = :announcer`, {
          ...values,
          ':announcer': announcer,
        });
  }

  public async markAnnounced(image: ImageKeyParts, decidedAt: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: imageItemKey(image),
          UpdateExpression: 'REMOVE announcementPending, announcer',
          ConditionExpression: 'verdict.decidedAt = :decidedAt',
          ExpressionAttributeValues: { ':decidedAt': decidedAt },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  public async claimSigning(image: ImageKeyParts, lease: SigningLease): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: imageItemKey(image),
          UpdateExpression: 'SET signingLease = :lease',
          ConditionExpression:
            // A lease ending after ours would is not one any signer took (leases last one term): it is ignored,
            // so a forged far-future lease cannot keep an approved image unsigned.
            // A lease on an earlier decision does not hold this one: the newer decision (a re-judgement, a
            // re-attestation) is signed at once, and the earlier signer's writes are converged on as any other's.
            'verdict.decidedAt = :decidedAt AND (attribute_not_exists(signingLease) OR signingLease.decidedAt <> :decidedAt OR signingLease.holder = :holder OR signingLease.#until < :now OR signingLease.#until > :until)',
          ExpressionAttributeNames: { '#until': 'until' },
          ExpressionAttributeValues: {
            ':lease': { holder: lease.holder, until: lease.until, decidedAt: lease.decidedAt },
            ':decidedAt': lease.decidedAt,
            ':holder': lease.holder,
            ':now': lease.now,
            ':until': lease.until,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  public async releaseSigning(image: ImageKeyParts, holder: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: imageItemKey(image),
          UpdateExpression: 'REMOVE signingLease',
          ConditionExpression: 'signingLease.holder = :holder',
          ExpressionAttributeValues: { ':holder': holder },
        }),
      );
    } catch (error) {
      // Taken over after it expired, or never held: not ours to give back.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  public saveSignatures(
    image: ImageKeyParts,
    signatures: readonly SignatureRef[],
    expectedVersion: number,
  ): Promise<ImageRecord> {
    return this.update(image, expectedVersion, 'SET signatures = :signatures', { ':signatures': signatures });
  }

  public async markDeleted(image: ImageKeyParts, at: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: imageItemKey(image),
          UpdateExpression: 'SET #status = :deleted, updatedAt = :at ADD #version :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
          ExpressionAttributeValues: { ':deleted': 'DELETED', ':at': at, ':one': 1 },
        }),
      );
    } catch (error) {
      // Deleting an image Tollgate never recorded leaves nothing to mark.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  public async moveTag(image: ImageKeyParts, tag: string, at: string): Promise<Digest | undefined> {
    const { digest } = image;
    const item: TagItem = { ...tagItemKey(image, tag), digest, updatedAt: at };
    const { Attributes } = await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: item, ReturnValues: 'ALL_OLD' }),
    );
    const previous = (Attributes as TagItem | undefined)?.digest;
    return previous !== undefined && previous !== digest ? previous : undefined;
  }

  private async update(
    image: ImageKeyParts,
    expectedVersion: number,
    set: string,
    values: Record<string, unknown>,
    /** Attributes removed in the same write. */
    remove?: string,
  ): Promise<ImageRecord> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: imageItemKey(image),
          UpdateExpression: `${set}, updatedAt = :now, #version = :next${remove === undefined ? '' : ` REMOVE ${remove}`}`,
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: {
            '#version': 'version',
            ...(set.includes('#status') ? { '#status': 'status' } : {}),
          },
          ExpressionAttributeValues: {
            ...values,
            ':now': new Date().toISOString(),
            ':expected': expectedVersion,
            ':next': expectedVersion + 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return fromItem(Attributes ?? {});
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new ConcurrentUpdateError(`${imageKey(image)} is no longer at version ${expectedVersion}`, {
          cause: error,
        });
      }
      throw error;
    }
  }
}

/** The record after a push, or `current` itself when the push changes nothing. Pure. */
export const mergePush = (current: ImageRecord | undefined, input: PushRecordInput): ImageRecord => {
  if (current === undefined || current.status === 'DELETED') {
    return {
      image: {
        registry: input.image.registry,
        repository: input.image.repository,
        digest: input.image.digest,
        ...withScope(input.image.scope),
      },
      tags: input.tag === undefined ? [] : [input.tag],
      status: 'PENDING_SCAN',
      ...optional(input),
      pushedAt: input.pushedAt,
      version: (current?.version ?? 0) + 1,
      updatedAt: input.pushedAt,
    };
  }
  const addsTag = input.tag !== undefined && !current.tags.includes(input.tag);
  const addsParent = input.parent !== undefined && current.parent === undefined;
  const addsChildren = input.children !== undefined && current.children === undefined;
  if (!addsTag && !addsParent && !addsChildren) return current;
  return {
    ...current,
    tags: addsTag && input.tag !== undefined ? [...current.tags, input.tag] : current.tags,
    ...(addsParent && input.parent !== undefined ? { parent: input.parent } : {}),
    ...(addsChildren && input.children !== undefined ? { children: input.children } : {}),
    version: current.version + 1,
    updatedAt: input.pushedAt,
  };
};

const optional = (input: PushRecordInput): Partial<ImageRecord> => ({
  ...(input.manifestMediaType === undefined ? {} : { manifestMediaType: input.manifestMediaType }),
  ...(input.artifactMediaType === undefined ? {} : { artifactMediaType: input.artifactMediaType }),
  ...(input.platform === undefined ? {} : { platform: input.platform }),
  ...(input.parent === undefined ? {} : { parent: input.parent }),
  ...(input.children === undefined ? {} : { children: input.children }),
  ...(input.correlationId === undefined ? {} : { correlationId: input.correlationId }),
});
