import { accessSync, constants, statSync } from 'node:fs';
import { tmpdir } from 'node:os';

/**
 * Where a bench keeps its stack's state, the registry's storage among it: `TOLLGATE_BENCH_TMPDIR`, else
 * `/dev/shm` (tmpfs) where the machine has one, else the temporary folder. On this project's 2-core VM a
 * blob upload cost the registry 9.8 ms of CPU on disk and 5.8 ms on tmpfs (its writes are syscalls the
 * registry pays for); what the bench measures is Tollgate's pipeline, not the machine's disk, so it takes the
 * fast one and says which it took (`bench/machine.ts`).
 */
export const benchScratchDir = (env: NodeJS.ProcessEnv = process.env): string => {
  if (env.TOLLGATE_BENCH_TMPDIR !== undefined && env.TOLLGATE_BENCH_TMPDIR !== '')
    return env.TOLLGATE_BENCH_TMPDIR;
  try {
    if (statSync('/dev/shm').isDirectory()) {
      accessSync('/dev/shm', constants.W_OK);
      return '/dev/shm';
    }
  } catch {
    // No tmpfs here: the temporary folder.
  }
  return tmpdir();
};
