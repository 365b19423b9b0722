import type { StandInContext } from './context';
import { RequestReader } from './input';
import { AwsApiError, epochSeconds, type JsonObject } from './protocol';
import { atInstant } from './schedule-expression';

/** What a due schedule hands the orchestrator, which invokes the target function with `input`. */
export interface ScheduleFiring {
  readonly name: string;
  readonly group: string;
  readonly targetArn: string;
  readonly roleArn: string;
  /** Target.Input, the JSON text the target receives as its event. */
  readonly input?: string;
}

export type ScheduleListener = (firing: ScheduleFiring) => void | Promise<void>;

export interface ScheduleView {
  readonly name: string;
  readonly group: string;
  readonly arn: string;
  readonly expression: string;
  /** When a one-time `at()` schedule falls due; undefined for rate/cron, which never fire here. */
  readonly dueAt?: Date;
  readonly fired: boolean;
}

interface StoredSchedule extends ScheduleView {
  readonly clientToken: string | undefined;
  readonly body: JsonObject;
  readonly createdAt: Date;
  fired: boolean;
}

/** Timers cannot wait longer than this (about 24.8 days); a later schedule re-arms on the way. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const NAME = /^[0-9a-zA-Z-_.]{1,64}$/;

/**
 * EventBridge Scheduler's CreateSchedule, GetSchedule and DeleteSchedule (restJson1) for one-time `at()`
 * schedules. A due schedule calls `onSchedule`, then is deleted when ActionAfterCompletion is DELETE. One
 * unref'd timer waits for the next due schedule; `fireDue(now)` lets tests skip the wait.
 * Schedule groups are not modelled: every group name exists. Schedules live in memory only.
 */
export class SchedulerService {
  readonly #schedules = new Map<string, StoredSchedule>();
  #timer: NodeJS.Timeout | undefined;

  public constructor(
    private readonly context: StandInContext,
    private readonly listener: ScheduleListener | undefined,
  ) {}

  /** Routes `/schedules/{Name}`; other paths are unknown operations. */
  public handle(method: string, name: string, query: URLSearchParams, body: JsonObject): unknown {
    const group = query.get('groupName') ?? 'default';
    if (method === 'POST') return this.create(name, new RequestReader(body, 'ValidationException'));
    if (method === 'GET') return this.describe(this.find(name, group));
    if (method === 'DELETE') {
      this.find(name, group);
      this.#schedules.delete(key(group, name));
      this.arm();
      return {};
    }
    throw new AwsApiError(
      'UnknownOperationException',
      `${method} /schedules/{Name} is not an operation`,
      404,
    );
  }

  public list(): readonly ScheduleView[] {
    return [...this.#schedules.values()].map(({ name, group, arn, expression, dueAt, fired }) => ({
      name,
      group,
      arn,
      expression,
      fired,
      ...(dueAt === undefined ? {} : { dueAt }),
    }));
  }

  /** Fires every schedule due at `now`, awaiting the listener, and returns what fired. */
  public async fireDue(now: Date = this.context.now()): Promise<ScheduleFiring[]> {
    const due = [...this.#schedules.values()].filter(
      (schedule) =>
        !schedule.fired && schedule.dueAt !== undefined && schedule.dueAt.getTime() <= now.getTime(),
    );
    const firings: ScheduleFiring[] = [];
    for (const schedule of due) {
      // Marked before the await, so a timer and a test firing at once cannot both invoke it.
      schedule.fired = true;
      const firing = toFiring(schedule);
      firings.push(firing);
      this.context.log(`schedule ${schedule.group}/${schedule.name} fired for ${firing.targetArn}`);
      try {
        await this.listener?.(firing);
      } catch (error) {
        // Scheduler would retry with its RetryPolicy; the stand-in logs and moves on.
        this.context.log(`schedule ${schedule.name}: the target failed: ${(error as Error).message}`);
      }
      if (schedule.body.ActionAfterCompletion === 'DELETE')
        this.#schedules.delete(key(schedule.group, schedule.name));
    }
    this.arm();
    return firings;
  }

  public stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  private create(name: string, request: RequestReader): { ScheduleArn: string } {
    if (!NAME.test(name)) throw request.invalid(`Name ${name} must be 1 to 64 characters of [0-9a-zA-Z-_.]`);
    const group = request.optionalString('GroupName') ?? 'default';
    const clientToken = request.optionalString('ClientToken');
    const existing = this.#schedules.get(key(group, name));
    if (existing !== undefined) {
      // A retried CreateSchedule with the same token is the same request, and gets the same answer.
      if (clientToken !== undefined && clientToken === existing.clientToken)
        return { ScheduleArn: existing.arn };
      throw new AwsApiError('ConflictException', `Schedule ${name} already exists.`, 409);
    }
    const expression = request.string('ScheduleExpression');
    const target = request.nested('Target');
    target.string('Arn');
    target.string('RoleArn');
    const mode = request.nested('FlexibleTimeWindow').string('Mode');
    if (mode !== 'OFF' && mode !== 'FLEXIBLE')
      throw request.invalid(`FlexibleTimeWindow.Mode ${mode} is not OFF or FLEXIBLE`);
    let dueAt: Date | undefined;
    try {
      dueAt = atInstant(expression, request.optionalString('ScheduleExpressionTimezone') ?? 'UTC');
    } catch (error) {
      throw request.invalid(`Invalid Schedule Expression ${expression}: ${(error as Error).message}`);
    }
    if (dueAt === undefined) this.context.log(`schedule ${name}: ${expression} is kept but never fires here`);
    const schedule: StoredSchedule = {
      name,
      group,
      arn: `arn:aws:scheduler:${this.context.region}:${this.context.accountId}:schedule/${group}/${name}`,
      expression,
      clientToken,
      body: request.raw(),
      createdAt: this.context.now(),
      fired: false,
      ...(dueAt === undefined ? {} : { dueAt }),
    };
    this.#schedules.set(key(group, name), schedule);
    this.arm();
    return { ScheduleArn: schedule.arn };
  }

  private find(name: string, group: string): StoredSchedule {
    const schedule = this.#schedules.get(key(group, name));
    if (schedule === undefined)
      throw new AwsApiError('ResourceNotFoundException', `Schedule ${name} does not exist.`, 404);
    return schedule;
  }

  private describe(schedule: StoredSchedule): JsonObject {
    const { ClientToken: _token, GroupName: _group, ...body } = schedule.body;
    return {
      ...body,
      Arn: schedule.arn,
      Name: schedule.name,
      GroupName: schedule.group,
      State: body.State ?? 'ENABLED',
      ScheduleExpressionTimezone: body.ScheduleExpressionTimezone ?? 'UTC',
      ActionAfterCompletion: body.ActionAfterCompletion ?? 'NONE',
      CreationDate: epochSeconds(schedule.createdAt),
      LastModificationDate: epochSeconds(schedule.createdAt),
    };
  }

  /** One timer for the earliest pending schedule. Unref'd: a forgotten schedule never keeps a process alive. */
  private arm(): void {
    this.stop();
    if (this.context.background.stopped) return;
    const next = Math.min(
      ...[...this.#schedules.values()]
        .filter((schedule) => !schedule.fired && schedule.dueAt !== undefined)
        .map((schedule) => schedule.dueAt?.getTime() ?? Number.POSITIVE_INFINITY),
    );
    if (!Number.isFinite(next)) return;
    const delay = Math.min(Math.max(0, next - this.context.now().getTime()), MAX_TIMER_MS);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.context.background.run('firing due schedules', async () => {
        await this.fireDue();
      });
    }, delay);
    this.#timer.unref();
  }
}

const key = (group: string, name: string): string => `${group}/${name}`;

const toFiring = (schedule: StoredSchedule): ScheduleFiring => {
  const target = schedule.body.Target as JsonObject;
  return {
    name: schedule.name,
    group: schedule.group,
    targetArn: String(target.Arn),
    roleArn: String(target.RoleArn),
    ...(typeof target.Input === 'string' ? { input: target.Input } : {}),
  };
};
