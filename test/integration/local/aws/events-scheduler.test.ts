import { DescribeImagesCommand, DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  DescribeEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  ResourceNotFoundException as BusNotFoundException,
} from '@aws-sdk/client-eventbridge';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { DescribeKeyCommand, KMSClient, NotFoundException } from '@aws-sdk/client-kms';
import { EventBridgePublisher } from '../../../../shared/adapters/aws/eventbridge';
import { atExpression, SchedulerScanTimeouts, scheduleName } from '../../../../shared/adapters/aws/scheduler';
import type { EventEnvelope, ScheduleFiring } from '../../../../local/aws';
import { parseDigest } from '../../../../shared/core/domain';
import { IMAGE_VERDICT } from '../../../../shared/core/events';
import { pushImage, startFixture, waitFor, type Fixture } from './fixture';

jest.setTimeout(30_000);

describe('the AWS stand-in: EventBridge', () => {
  let fixture: Fixture;
  const delivered: { bus: string; event: EventEnvelope }[] = [];

  beforeAll(async () => {
    fixture = await startFixture({
      notifications: false,
      eventBuses: ['tollgate'],
      onEvent: (bus, event) => {
        delivered.push({ bus, event });
      },
    });
  });
  afterAll(async () => fixture?.stop());

  it('records and delivers PutEvents entries as EventBridge envelopes', async () => {
    const output = await fixture.events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/tollgate',
            Source: 'tollgate',
            DetailType: 'Image Verdict',
            Detail: JSON.stringify({ verdict: 'APPROVED' }),
            Resources: ['arn:aws:ecr:us-east-1:000000000000:repository/payments/api'],
            Time: new Date('2026-11-16T01:54:34.789Z'),
          },
          { Source: 'tollgate', DetailType: 'Tag Violation', Detail: '{"tag":"latest"}' },
        ],
      }),
    );
    expect(output.FailedEntryCount).toBe(0);
    expect(output.Entries).toHaveLength(2);
    const ids = output.Entries!.map((entry) => entry.EventId);
    await fixture.standIn.settled();
    const recorded = fixture.standIn.events().filter((entry) => ids.includes(entry.event.id));
    expect(recorded.map((entry) => entry.bus)).toEqual(['tollgate', 'default']);
    expect(recorded[0]!.event).toEqual({
      version: '0',
      id: ids[0],
      'detail-type': 'Image Verdict',
      source: 'tollgate',
      account: '000000000000',
      time: '2026-11-16T01:54:34Z',
      region: 'us-east-1',
      resources: ['arn:aws:ecr:us-east-1:000000000000:repository/payments/api'],
      detail: { verdict: 'APPROVED' },
    });
    expect(delivered.filter((entry) => ids.includes(entry.event.id)).map((entry) => entry.bus)).toEqual([
      'tollgate',
      'default',
    ]);
  });

  it('refuses malformed entries and unknown buses one by one', async () => {
    const output = await fixture.events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'tollgate', DetailType: 'x', Detail: 'not json' },
          { Source: 'tollgate', DetailType: 'x', Detail: '{}', EventBusName: 'nope' },
          { Source: 'tollgate', DetailType: 'x', Detail: '{}' },
        ],
      }),
    );
    expect(output.FailedEntryCount).toBe(2);
    expect(output.Entries?.map((entry) => entry.ErrorCode)).toEqual([
      'MalformedDetail',
      'ResourceNotFoundException',
      undefined,
    ]);
    await expect(
      fixture.events.send(new DescribeEventBusCommand({ Name: 'tollgate' })),
    ).resolves.toMatchObject({
      Name: 'tollgate',
      Arn: 'arn:aws:events:us-east-1:000000000000:event-bus/tollgate',
    });
    await expect(fixture.events.send(new DescribeEventBusCommand({ Name: 'nope' }))).rejects.toBeInstanceOf(
      BusNotFoundException,
    );
  });

  it('refuses entries by fault injection, which the production publisher resends', async () => {
    fixture.standIn.setFaults({
      'events:PutEvents': { failEntries: 2, entryErrorCode: 'ThrottlingException' },
    });
    try {
      const before = fixture.standIn.calls()['events:PutEvents'] ?? 0;
      const publisher = new EventBridgePublisher({
        client: fixture.events,
        busName: 'tollgate',
        backoff: () => Promise.resolve(),
      });
      await publisher.publish([
        { detailType: IMAGE_VERDICT, detail: { n: 1 } },
        { detailType: IMAGE_VERDICT, detail: { n: 2 } },
        { detailType: IMAGE_VERDICT, detail: { n: 3 } },
      ]);
      expect((fixture.standIn.calls()['events:PutEvents'] ?? 0) - before).toBe(2);
      const published = fixture.standIn
        .events()
        .filter((entry) => entry.bus === 'tollgate' && entry.event['detail-type'] === IMAGE_VERDICT)
        .map((entry) => entry.event.detail.n);
      expect(
        published
          .filter((n) => n !== undefined)
          .slice(-3)
          .sort(),
      ).toEqual([1, 2, 3]);
    } finally {
      fixture.standIn.setFaults({});
    }
  });
});

describe('the AWS stand-in: fault injection seen through the SDK', () => {
  let fixture: Fixture;

  beforeAll(async () => {
    fixture = await startFixture({
      notifications: false,
      faults: { 'ecr:DescribeRepositories': { throttle: 2 } },
    });
    await pushImage(fixture.oci, 'team/faults', { tag: 'v1' });
  });
  afterAll(async () => fixture?.stop());

  it('throttles the first calls, and the SDK retries them', async () => {
    const output = await fixture.ecr.send(new DescribeRepositoriesCommand({}));
    expect(output.$metadata.attempts).toBe(3);
    expect(output.repositories?.map((repository) => repository.repositoryName)).toEqual(['team/faults']);
    expect(fixture.standIn.calls()['ecr:DescribeRepositories']).toBe(3);
  });

  it('answers 5xx faults with InternalFailure, also retried', async () => {
    fixture.standIn.setFaults({ 'ecr:*': { error5xx: 1 } });
    const output = await fixture.ecr.send(new DescribeImagesCommand({ repositoryName: 'team/faults' }));
    expect(output.$metadata.attempts).toBe(2);
    fixture.standIn.setFaults({ 'ecr:DescribeImages': { error5xx: 5 } });
    const error: unknown = await fixture.ecr
      .send(new DescribeImagesCommand({ repositoryName: 'team/faults' }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'InternalFailure',
      $fault: 'server',
      $metadata: { httpStatusCode: 500, attempts: 3 },
    });
    fixture.standIn.setFaults({});
  });

  it('fails calls with a probability, and adds latency', async () => {
    fixture.standIn.setFaults({ 'kms:*': { probability: 1, throttle: 0, latencyMs: 20 } });
    const started = Date.now();
    const error: unknown = await fixture.kms
      .send(new DescribeKeyCommand({ KeyId: 'alias/x' }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ThrottlingException', $metadata: { attempts: 3 } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(60);
    fixture.standIn.setFaults({});
  });

  it('throttles Scheduler with 429', async () => {
    fixture.standIn.setFaults({ 'scheduler:GetSchedule': { throttle: 1 } });
    const error: unknown = await fixture.scheduler
      .send(new GetScheduleCommand({ Name: 'missing' }))
      .catch((e: unknown) => e);
    // Retried after the 429, then the real answer.
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect((error as ResourceNotFoundException).$metadata.attempts).toBe(2);
    expect(fixture.standIn.calls()['scheduler:GetSchedule']).toBe(2);
    fixture.standIn.setFaults({});
  });

  it('works through AWS_ENDPOINT_URL_<SERVICE>, with no endpoint in code', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, fixture.standIn.endpointEnv());
    try {
      const ecr = new ECRClient({});
      const events = new EventBridgeClient({});
      const scheduler = new SchedulerClient({});
      const kms = new KMSClient({});
      await expect(kms.send(new DescribeKeyCommand({ KeyId: 'alias/none' }))).rejects.toBeInstanceOf(
        NotFoundException,
      );
      kms.destroy();
      await expect(ecr.send(new DescribeRepositoriesCommand({}))).resolves.toMatchObject({
        repositories: [{ repositoryName: 'team/faults' }],
      });
      await expect(events.send(new DescribeEventBusCommand({}))).resolves.toMatchObject({ Name: 'default' });
      await expect(scheduler.send(new GetScheduleCommand({ Name: 'missing' }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
      for (const client of [ecr, events, scheduler]) client.destroy();
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});

describe('the AWS stand-in: EventBridge Scheduler', () => {
  let fixture: Fixture;
  let clock = new Date('2026-11-16T01:00:00Z');
  const fired: ScheduleFiring[] = [];

  beforeAll(async () => {
    fixture = await startFixture({
      notifications: false,
      now: () => clock,
      onSchedule: (firing) => {
        fired.push(firing);
      },
    });
  });
  afterAll(async () => fixture?.stop());

  const create = (name: string, token: string, at = '2026-11-16T01:30:00') =>
    new CreateScheduleCommand({
      Name: name,
      GroupName: 'tollgate',
      ScheduleExpression: `at(${at})`,
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      ClientToken: token,
      Target: {
        Arn: 'arn:aws:lambda:us-east-1:000000000000:function:on-timeout',
        RoleArn: 'arn:aws:iam::000000000000:role/s',
        Input: '{"a":1}',
      },
    });

  it('creates idempotently by ClientToken and refuses another token with ConflictException', async () => {
    const first = await fixture.scheduler.send(create('scan-timeout-1', 'token-1'));
    expect(first.ScheduleArn).toBe(
      'arn:aws:scheduler:us-east-1:000000000000:schedule/tollgate/scan-timeout-1',
    );
    const again = await fixture.scheduler.send(create('scan-timeout-1', 'token-1'));
    expect(again.ScheduleArn).toBe(first.ScheduleArn);
    await expect(fixture.scheduler.send(create('scan-timeout-1', 'token-2'))).rejects.toBeInstanceOf(
      ConflictException,
    );
    const got = await fixture.scheduler.send(
      new GetScheduleCommand({ Name: 'scan-timeout-1', GroupName: 'tollgate' }),
    );
    expect(got).toMatchObject({
      Arn: first.ScheduleArn,
      Name: 'scan-timeout-1',
      GroupName: 'tollgate',
      ScheduleExpression: 'at(2026-11-16T01:30:00)',
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Target: { Input: '{"a":1}' },
    });
    expect(got.CreationDate).toEqual(clock);
  });

  it('deletes, and throws ResourceNotFoundException for a schedule that is not there', async () => {
    await fixture.scheduler.send(create('to-delete', 't'));
    await fixture.scheduler.send(new DeleteScheduleCommand({ Name: 'to-delete', GroupName: 'tollgate' }));
    await expect(
      fixture.scheduler.send(new DeleteScheduleCommand({ Name: 'to-delete', GroupName: 'tollgate' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      fixture.scheduler.send(new GetScheduleCommand({ Name: 'to-delete', GroupName: 'tollgate' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('fires a due at() schedule once, then deletes it (ActionAfterCompletion DELETE)', async () => {
    expect(await fixture.standIn.fireDueSchedules(new Date('2026-11-16T01:29:59Z'))).toEqual([]);
    clock = new Date('2026-11-16T01:30:00Z');
    const firings = await fixture.standIn.fireDueSchedules();
    expect(firings).toEqual([
      {
        name: 'scan-timeout-1',
        group: 'tollgate',
        targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:on-timeout',
        roleArn: 'arn:aws:iam::000000000000:role/s',
        input: '{"a":1}',
      },
    ]);
    expect(fired).toEqual(firings);
    await expect(
      fixture.scheduler.send(new GetScheduleCommand({ Name: 'scan-timeout-1', GroupName: 'tollgate' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect(await fixture.standIn.fireDueSchedules(new Date('2027-01-01T00:00:00Z'))).toEqual([]);
  });

  it('reads at() in the schedule’s time zone', async () => {
    await fixture.scheduler.send(
      new CreateScheduleCommand({
        Name: 'in-berlin',
        ScheduleExpression: 'at(2026-11-16T03:00:00)',
        ScheduleExpressionTimezone: 'Europe/Berlin',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: 'arn:x', RoleArn: 'arn:y' },
      }),
    );
    expect(fixture.standIn.schedules().find((s) => s.name === 'in-berlin')?.dueAt).toEqual(
      new Date('2026-11-16T02:00:00Z'),
    );
    await fixture.scheduler.send(new DeleteScheduleCommand({ Name: 'in-berlin' }));
  });

  it('drives the production SchedulerScanTimeouts adapter', async () => {
    const timeouts = new SchedulerScanTimeouts({
      client: fixture.scheduler,
      groupName: 'tollgate',
      targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:on-timeout',
      roleArn: 'arn:aws:iam::000000000000:role/s',
    });
    const image = { repository: 'payments/api', digest: parseDigest(`sha256:${'a'.repeat(64)}`) };
    const at = new Date('2026-11-16T02:00:00Z');
    await timeouts.scheduleTimeout(image, at);
    await timeouts.scheduleTimeout(image, at); // a retried push: the same schedule
    expect(fixture.standIn.schedules().filter((s) => s.name === scheduleName(image))).toEqual([
      expect.objectContaining({ expression: atExpression(at), dueAt: at }),
    ]);
    await timeouts.cancelTimeout(image);
    await timeouts.cancelTimeout(image); // already gone: fine
    expect(fixture.standIn.schedules().filter((s) => s.name === scheduleName(image))).toEqual([]);
  });
});

describe('the AWS stand-in: schedules fire on their own', () => {
  it('fires an at() schedule when it falls due, and stop() clears the timer of one that has not', async () => {
    const fired: string[] = [];
    const fixture = await startFixture({
      notifications: false,
      onSchedule: (firing) => void fired.push(firing.name),
    });
    try {
      const soon = new Date(Math.ceil((Date.now() + 1000) / 1000) * 1000);
      const target = { Arn: 'arn:x', RoleArn: 'arn:y' };
      const at = (date: Date) => `at(${date.toISOString().slice(0, 19)})`;
      await fixture.scheduler.send(
        new CreateScheduleCommand({
          Name: 'soon',
          ScheduleExpression: at(soon),
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: target,
        }),
      );
      await fixture.scheduler.send(
        new CreateScheduleCommand({
          Name: 'next-year',
          ScheduleExpression: at(new Date(Date.now() + 365 * 24 * 3600 * 1000)),
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: target,
        }),
      );
      await waitFor(() => (fired.includes('soon') ? true : undefined), 'the schedule to fire', 5000);
      // ActionAfterCompletion defaults to NONE: it stays, fired.
      expect(fixture.standIn.schedules().find((s) => s.name === 'soon')?.fired).toBe(true);
    } finally {
      await fixture.stop();
    }
    // Jest exits without --forceExit only if the pending 'next-year' timer is gone.
  });
});
