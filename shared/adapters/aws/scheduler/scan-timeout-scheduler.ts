import { createHash } from 'node:crypto';
import type { ImageScope } from '../../../core/domain/image-scope';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { imageKey, imageKeyParts } from '../../../core/domain/image-ref';
import type { ScanTimeoutScheduler } from '../../../app/ports/scan-timeout-scheduler';
import type { ImageKeyParts } from '../../../app/ports/verdict-store';

export interface SchedulerScanTimeoutsProps {
  readonly client: SchedulerClient;
  readonly groupName: string;
  /** The on-timeout function. */
  readonly targetArn: string;
  /** The role EventBridge Scheduler assumes to invoke it. */
  readonly roleArn: string;
}

/** What on-timeout receives as its event. */
export interface ScanTimeoutInput {
  readonly repository: string;
  readonly digest: string;
  /** A spoke's image: its account and region. */
  readonly scope?: ImageScope;
}

/**
 * Schedule names must be ≤ 64 characters of [0-9a-zA-Z-_.]; a repository@digest is neither. A hash of
 * the image key is deterministic, so a duplicate push finds the schedule the first one made.
 */
export const scheduleName = (image: ImageKeyParts): string =>
  `scan-timeout-${createHash('sha256').update(imageKey(image)).digest('hex').slice(0, 48)}`;

/** `at()` wants UTC wall-clock time with no zone suffix and no fraction. */
export const atExpression = (at: Date): string => `at(${at.toISOString().slice(0, 19)})`;

export class SchedulerScanTimeouts implements ScanTimeoutScheduler {
  public constructor(private readonly props: SchedulerScanTimeoutsProps) {}

  public async scheduleTimeout(image: ImageKeyParts, at: Date): Promise<void> {
    const name = scheduleName(image);
    const input: ScanTimeoutInput = imageKeyParts(image);
    try {
      await this.props.client.send(
        new CreateScheduleCommand({
          Name: name,
          GroupName: this.props.groupName,
          ScheduleExpression: atExpression(at),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          // Same name, same token: a retried CreateSchedule succeeds instead of failing as a duplicate.
          ClientToken: name,
          Target: { Arn: this.props.targetArn, RoleArn: this.props.roleArn, Input: JSON.stringify(input) },
        }),
      );
    } catch (error) {
      // The schedule already exists for this image: the first push made it, and that is the one that counts.
      if (!(error instanceof ConflictException)) throw error;
    }
  }

  public async cancelTimeout(image: ImageKeyParts): Promise<void> {
    try {
      await this.props.client.send(
        new DeleteScheduleCommand({ Name: scheduleName(image), GroupName: this.props.groupName }),
      );
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}
