import { cpus, platform, release, totalmem } from 'node:os';
import { benchScratchDir } from './scratch-dir';

/** The machine a run measured, so that runs on different machines are not compared as if alike. */
export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGb: number;
  readonly node: string;
  readonly os: string;
  readonly date: string;
  /** Where the stack's state and the registry's storage were (`bench/scratch-dir.ts`). */
  readonly scratchDir: string;
}

export const describeMachine = (now: Date = new Date()): MachineInfo => ({
  cores: cpus().length,
  cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
  memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
  node: process.version,
  os: `${platform()} ${release()}`,
  date: now.toISOString(),
  scratchDir: benchScratchDir(),
});
