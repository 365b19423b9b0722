/** Runs the registry front inside the worker thread thread.ts starts (with tsx registered). */
import { parentPort, workerData } from 'node:worker_threads';
import { startRegistryFront } from './proxy';
import type { FromFrontWorker, FrontWorkerData, ToFrontWorker } from './thread';

const data = workerData as FrontWorkerData;
const port = parentPort!;
const post = (message: FromFrontWorker): void => port.postMessage(message);

startRegistryFront({
  ...data.options,
  observe: (event) => post({ kind: 'event', event }),
  ...(data.trace ? { trace: (line: string) => post({ kind: 'trace', line }) } : {}),
}).then(
  (front) => {
    port.on('message', (message: ToFrontWorker) => {
      switch (message.kind) {
        case 'setTarget':
          front.setTarget(message.url);
          return;
        case 'setFaults':
          front.setFaults(message.faults);
          return;
        case 'setMutability':
          front.setMutability(message.setting);
          return;
        case 'stop':
          void front.stop().then(() => post({ kind: 'stopped' }));
          return;
      }
    });
    post({ kind: 'ready', url: front.url, host: front.host, servesReferrers: front.servesReferrers });
  },
  (error: unknown) => post({ kind: 'failed', message: (error as Error).message }),
);
