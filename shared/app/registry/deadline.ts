import { AsyncLocalStorage } from 'node:async_hooks';

/** How long one whole verification may spend on registry requests unless told otherwise. */
export const DEFAULT_VERIFICATION_TIMEOUT_MS = 60_000;

export interface Deadline {
  /** Aborts when the deadline passes. */
  readonly signal: AbortSignal;
  /** The budget it was set with, for messages. */
  readonly timeoutMs: number;
}

// Held in async context rather than passed down: the deadline belongs to one verification, while the registry
// clients (and their cached tokens) are shared between verifications, and every RegistryClient implementation and
// decorator in between would otherwise need a signal parameter on every method. Requests made by the transport
// inside `withDeadline` are aborted when it passes, including reads queued behind the concurrency limit.
const current = new AsyncLocalStorage<Deadline>();

/** Runs `work` with every registry request it makes bounded by one deadline of `timeoutMs` from now. */
export const withDeadline = <T>(timeoutMs: number, work: () => Promise<T>): Promise<T> => {
  const outer = current.getStore();
  const own = AbortSignal.timeout(timeoutMs);
  // Nested deadlines: the earlier one still wins, so an inner call cannot extend the outer budget.
  const deadline: Deadline =
    outer === undefined
      ? { signal: own, timeoutMs }
      : { signal: AbortSignal.any([outer.signal, own]), timeoutMs: Math.min(outer.timeoutMs, timeoutMs) };
  return current.run(deadline, work);
};

/** The deadline of the verification the caller runs in, if any. */
export const currentDeadline = (): Deadline | undefined => current.getStore();
