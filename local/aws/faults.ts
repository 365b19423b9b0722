/** `<service>:<Operation>`, e.g. `ecr:DescribeImages`: the key of call counts and faults. */
export type ApiName = `${'ecr' | 'kms' | 'events' | 'scheduler' | 'sns' | 'secretsmanager'}:${string}`;

/** What goes wrong with one API, from the moment it is set. */
export interface FaultSpec {
  /** The next N calls are throttled (`ThrottlingException`), which the SDK retries with backoff. */
  readonly throttle?: number;
  /** After the throttled ones, the next N calls fail with a 5xx (`InternalFailure`). */
  readonly error5xx?: number;
  /** Every call waits this long before it is answered. */
  readonly latencyMs?: number;
  /**
   * Once the counted faults are spent, each further call fails with this probability (0 to 1): throttled
   * when `throttle` is set (even to 0), a 5xx otherwise. For soak and benchmark runs.
   * @default 0
   */
  readonly probability?: number;
  /**
   * PutEvents only: the next N entries (over all calls) are refused one by one in a successful response,
   * with `entryErrorCode`, as EventBridge refuses entries under load (`FailedEntryCount` > 0).
   */
  readonly failEntries?: number;
  /** @default 'InternalFailure' */
  readonly entryErrorCode?: string;
}

/**
 * Faults per API, keyed `ecr:StartImageScan`, `events:PutEvents`, `kms:Sign`, `scheduler:CreateSchedule`.
 * `ecr:*` applies to every ECR operation without its own entry, `*` to every operation.
 */
export type AwsFaults = Readonly<Record<string, FaultSpec>>;

export type FaultOutcome = 'throttle' | 'server' | undefined;

interface Budget {
  spec: FaultSpec;
  throttle: number;
  error5xx: number;
  failEntries: number;
}

/** Decides, call by call, whether an API fails; and counts every call, faulted or not. */
export class FaultInjector {
  readonly #calls = new Map<string, number>();
  #budgets = new Map<string, Budget>();

  public constructor(
    faults: AwsFaults,
    private readonly random: () => number,
    private readonly sleep: (ms: number) => Promise<boolean>,
  ) {
    this.set(faults);
  }

  /** Replaces every fault; counters restart from the new numbers. Call counts are kept. */
  public set(faults: AwsFaults): void {
    this.#budgets = new Map(
      Object.entries(faults).map(([key, spec]) => [
        key,
        {
          spec,
          throttle: spec.throttle ?? 0,
          error5xx: spec.error5xx ?? 0,
          failEntries: spec.failEntries ?? 0,
        },
      ]),
    );
  }

  public calls(): Record<string, number> {
    return Object.fromEntries(this.#calls);
  }

  /** Counts the call, applies its latency, and says whether it fails. */
  public async call(api: ApiName): Promise<FaultOutcome> {
    this.#calls.set(api, (this.#calls.get(api) ?? 0) + 1);
    const budget = this.budget(api);
    if (budget === undefined) return undefined;
    if (budget.spec.latencyMs !== undefined) await this.sleep(budget.spec.latencyMs);
    if (budget.throttle > 0) {
      budget.throttle -= 1;
      return 'throttle';
    }
    if (budget.error5xx > 0) {
      budget.error5xx -= 1;
      return 'server';
    }
    const probability = budget.spec.probability ?? 0;
    if (probability > 0 && this.random() < probability) {
      return budget.spec.throttle === undefined ? 'server' : 'throttle';
    }
    return undefined;
  }

  /** For one PutEvents entry: the error code to refuse it with, if its fault says so. */
  public entryFailure(api: ApiName): string | undefined {
    const budget = this.budget(api);
    if (budget === undefined || budget.failEntries <= 0) return undefined;
    budget.failEntries -= 1;
    return budget.spec.entryErrorCode ?? 'InternalFailure';
  }

  private budget(api: ApiName): Budget | undefined {
    const service = api.slice(0, api.indexOf(':'));
    return this.#budgets.get(api) ?? this.#budgets.get(`${service}:*`) ?? this.#budgets.get('*');
  }
}
