import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { TSX_API, WORKER_BOOTSTRAP } from '../lambda';
import type { ProxyFaults } from './faults';
import type { TagMutabilitySetting } from './immutable-tags';
import { FrontState, type FrontEvent, type RegistryFront, type RegistryFrontOptions } from './proxy';

/** What a front in a thread can be given: what crosses to a worker (no callbacks but `trace`). */
export type ThreadFrontOptions = Pick<
  RegistryFrontOptions,
  'target' | 'dialect' | 'faults' | 'immutableTags' | 'referrers' | 'port' | 'trace'
>;

export type ToFrontWorker =
  | { readonly kind: 'setTarget'; readonly url: string }
  | { readonly kind: 'setFaults'; readonly faults: ProxyFaults }
  | { readonly kind: 'setMutability'; readonly setting: TagMutabilitySetting }
  | { readonly kind: 'stop' };

export type FromFrontWorker =
  | { readonly kind: 'ready'; readonly url: string; readonly host: string; readonly servesReferrers: boolean }
  | { readonly kind: 'event'; readonly event: FrontEvent }
  | { readonly kind: 'trace'; readonly line: string }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'stopped' };

export interface FrontWorkerData {
  readonly tsx: string;
  readonly workerFile: string;
  readonly options: Omit<ThreadFrontOptions, 'trace'>;
  readonly trace: boolean;
}

const WORKER_FILE = join(__dirname, 'worker.ts');

/**
 * The registry front in a worker thread of its own. The local stack's front stands in every client's path, the
 * harness's included; on the main thread, a test that runs a client synchronously (`execFileSync('skopeo', …)`)
 * would block the front it pushes through. Counts are kept here from the worker's events, so `calls()` and
 * `refused()` answer at once; they include every request answered before the caller last awaited anything.
 */
export const startRegistryFrontThread = async (options: ThreadFrontOptions): Promise<RegistryFront> => {
  const { trace, ...rest } = options;
  const data: FrontWorkerData = {
    tsx: TSX_API,
    workerFile: WORKER_FILE,
    options: rest,
    trace: trace !== undefined,
  };
  const worker = new Worker(WORKER_BOOTSTRAP, { eval: true, workerData: data });
  const state = new FrontState();
  let stopped: (() => void) | undefined;
  const ready = await new Promise<Extract<FromFrontWorker, { kind: 'ready' }>>((resolve, reject) => {
    worker.on('message', (message: FromFrontWorker) => {
      switch (message.kind) {
        case 'ready':
          resolve(message);
          return;
        case 'event':
          state.apply(message.event);
          return;
        case 'trace':
          trace?.(message.line);
          return;
        case 'failed':
          reject(new Error(`the registry front did not start: ${message.message}`));
          return;
        case 'stopped':
          stopped?.();
          return;
      }
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      reject(new Error(`the registry front's worker exited with code ${code}`));
      stopped?.();
    });
  }).catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
  const post = (message: ToFrontWorker): void => worker.postMessage(message);
  let stopping: Promise<void> | undefined;
  return {
    url: ready.url,
    host: ready.host,
    servesReferrers: ready.servesReferrers,
    setTarget: (url) => post({ kind: 'setTarget', url }),
    setFaults: (faults) => post({ kind: 'setFaults', faults }),
    setMutability: (setting) => post({ kind: 'setMutability', setting }),
    counts: () => state.counts(),
    calls: () => state.calls(),
    resetCalls: () => state.resetCalls(),
    refused: () => state.refused(),
    stop: () =>
      (stopping ??= (async () => {
        const done = new Promise<void>((resolve) => (stopped = resolve));
        post({ kind: 'stop' });
        await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 3000))]);
        await worker.terminate();
      })()),
  };
};
