import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { atExpression, scheduleName, SchedulerScanTimeouts } from '../../../../shared/adapters/aws/scheduler';
import type { Digest } from '../../../../shared/core/domain';

const scheduler = mockClient(SchedulerClient);
const IMAGE = { repository: 'payments/api', digest: `sha256:${'a'.repeat(64)}` as Digest };
const props = {
  groupName: 'tollgate-scan-timeouts',
  targetArn: 'arn:aws:lambda:us-west-2:123456789012:function:on-timeout',
  roleArn: 'arn:aws:iam::123456789012:role/scheduler',
};
const timeouts = (): SchedulerScanTimeouts =>
  new SchedulerScanTimeouts({ client: new SchedulerClient({}), ...props });
const meta = { $metadata: {}, Message: 'exception' };

beforeEach(() => scheduler.reset());

describe('scheduleName', () => {
  it('is deterministic, ≤ 64 characters of what Scheduler allows, and differs per image', () => {
    const name = scheduleName(IMAGE);
    expect(name).toBe(scheduleName({ ...IMAGE }));
    expect(name).toMatch(/^[0-9a-zA-Z-_.]{1,64}$/);
    expect(scheduleName({ ...IMAGE, repository: 'payments/web' })).not.toBe(name);
  });
});

describe('atExpression', () => {
  it('is UTC wall-clock time without zone or fraction', () => {
    expect(atExpression(new Date('2026-11-16T02:24:34.567Z'))).toBe('at(2026-11-16T02:24:34)');
  });
});

describe('SchedulerScanTimeouts', () => {
  it('creates a one-time schedule that deletes itself, with an idempotent ClientToken', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    await timeouts().scheduleTimeout(IMAGE, new Date('2026-11-16T02:24:34Z'));
    expect(scheduler).toHaveReceivedCommandWith(CreateScheduleCommand, {
      Name: scheduleName(IMAGE),
      GroupName: 'tollgate-scan-timeouts',
      ScheduleExpression: 'at(2026-11-16T02:24:34)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      ClientToken: scheduleName(IMAGE),
      Target: {
        Arn: props.targetArn,
        RoleArn: props.roleArn,
        Input: JSON.stringify({ repository: 'payments/api', digest: IMAGE.digest }),
      },
    });
  });

  it('a schedule that already exists is the one that counts (duplicate push)', async () => {
    scheduler.on(CreateScheduleCommand).rejects(new ConflictException({ message: 'exists', ...meta }));
    await expect(timeouts().scheduleTimeout(IMAGE, new Date())).resolves.toBeUndefined();
  });

  it('throws anything else for Lambda to retry', async () => {
    scheduler.on(CreateScheduleCommand).rejects(new Error('ThrottlingException'));
    await expect(timeouts().scheduleTimeout(IMAGE, new Date())).rejects.toThrow('ThrottlingException');
  });

  it('cancels by name; a schedule already gone is fine', async () => {
    scheduler.on(DeleteScheduleCommand).rejects(new ResourceNotFoundException({ message: 'gone', ...meta }));
    await expect(timeouts().cancelTimeout(IMAGE)).resolves.toBeUndefined();
    expect(scheduler).toHaveReceivedCommandWith(DeleteScheduleCommand, {
      Name: scheduleName(IMAGE),
      GroupName: 'tollgate-scan-timeouts',
    });
  });
});
