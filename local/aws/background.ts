/**
 * Work the stand-in does after answering a request, as AWS does: deliver events, finish scans, fire
 * schedules. Everything goes through here so that `settled()` can wait for it and `stop()` leaves no
 * timer and no pending delay behind (jest exits without --forceExit).
 */
export class Background {
  readonly #pending = new Set<Promise<void>>();
  readonly #sleepers = new Map<NodeJS.Timeout, () => void>();
  #stopped = false;

  public constructor(private readonly log: (line: string) => void) {}

  public get stopped(): boolean {
    return this.#stopped;
  }

  /** Runs `work` in the background; its failure is logged, never thrown at a caller that has moved on. */
  public run(label: string, work: () => Promise<void>): void {
    if (this.#stopped) return;
    const task = (async () => {
      try {
        await work();
      } catch (error) {
        this.log(`${label} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    })();
    this.#pending.add(task);
    void task.finally(() => this.#pending.delete(task));
  }

  /** Waits `ms`. Resolves false instead when the stand-in stops first, so the caller can drop its work. */
  public sleep(ms: number): Promise<boolean> {
    if (this.#stopped) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#sleepers.delete(timer);
        resolve(!this.#stopped);
      }, ms);
      this.#sleepers.set(timer, () => resolve(false));
    });
  }

  /** Resolves once no background work is left, including work started by work that finished meanwhile. */
  public async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /**
   * Stops taking work and cancels every pending delay, then gives work in flight (an event delivery
   * running a function, say) up to `graceMs` to end. Whatever is still running after that is abandoned.
   */
  public async stop(graceMs = 5000): Promise<void> {
    this.#stopped = true;
    for (const [timer, cancel] of this.#sleepers) {
      clearTimeout(timer);
      cancel();
    }
    this.#sleepers.clear();
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      this.settled(),
      new Promise<void>((resolve) => {
        grace = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(grace);
  }
}
