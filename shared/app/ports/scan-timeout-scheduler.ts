import type { ImageKeyParts } from './verdict-store';

/**
 * One-time timers for "the scan never reported back". Scheduling the same image twice must
 * be a no-op (a deterministic name and client token), because push events can come twice.
 */
export interface ScanTimeoutScheduler {
  scheduleTimeout(image: ImageKeyParts, at: Date): Promise<void>;
  cancelTimeout(image: ImageKeyParts): Promise<void>;
}
