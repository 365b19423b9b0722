import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Reads a JSON state file, or `fallback` when there is none yet. A corrupt file is an error, not a reset. */
export const readState = <T>(path: string, fallback: T): T => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw error;
  }
  return JSON.parse(text) as T;
};

/** Writes through a temporary file and a rename, so a crash never leaves half a file behind. */
export const writeState = (path: string, value: unknown, mode = 0o644): void => {
  writePrivate(path, `${JSON.stringify(value, null, 2)}\n`, mode);
};

export const writePrivate = (path: string, text: string, mode = 0o600): void => {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode });
  // The mode given to writeFileSync is masked by the umask; the key files must be 0600 whatever it is.
  chmodSync(temporary, mode);
  renameSync(temporary, path);
};

/** How long a state change may wait for the changes after it, so that a burst costs one write. */
export const STATE_WRITE_DELAY_MS = 50;

/**
 * A state file written behind its changes: the latest snapshot, at most once per `delayMs`, and at once on
 * `flush` (the stand-in's stop). Writing the whole file on every change made the stand-in's saves (11 an
 * image, the file growing with every scan) a tenth of its CPU in the bench. What a hard kill can lose is the
 * last `delayMs` of simulated ECR state (push times, scan records), never a key: keys are written at once.
 */
export class DeferredStateFile {
  #snapshot: (() => unknown) | undefined;
  #timer: NodeJS.Timeout | undefined;

  public constructor(
    private readonly path: string,
    private readonly onError: (error: unknown) => void,
    private readonly delayMs = STATE_WRITE_DELAY_MS,
  ) {}

  /** `snapshot` is called when the file is written, so a burst of changes builds the content once. */
  public changed(snapshot: () => unknown): void {
    this.#snapshot = snapshot;
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      try {
        this.flush();
      } catch (error) {
        // Kept pending: the next change or the stop writes it again.
        this.onError(error);
      }
    }, this.delayMs);
    // A pending write must not keep a process alive that has nothing else to do; stop() flushes it.
    this.#timer.unref();
  }

  /** Writes what is pending now. @throws what writing throws; the change stays pending */
  public flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const snapshot = this.#snapshot;
    if (snapshot === undefined) return;
    writeState(this.path, snapshot());
    this.#snapshot = undefined;
  }
}
