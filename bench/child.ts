/**
 * One stack benchmark in a process of its own, started by bench/run.ts: the local stack's ports, workers and
 * peak memory belong to this run alone. Progress goes to stderr; the result is the last line of stdout.
 * Usage: child.ts pipeline|burst|reconcile '<options as JSON>'.
 */
import { benchBurst, type BurstOptions } from './burst';
import { benchPipeline, type PipelineOptions } from './pipeline';
import { benchReconcile, type ReconcileBenchOptions } from './reconcile';

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

const main = async (argv: readonly string[]): Promise<void> => {
  const [which, json] = argv;
  const options = JSON.parse(json ?? '{}') as Record<string, unknown>;
  const result =
    which === 'pipeline'
      ? await benchPipeline({ ...(options as unknown as Omit<PipelineOptions, 'log'>), log })
      : which === 'burst'
        ? await benchBurst({ ...(options as unknown as Omit<BurstOptions, 'log'>), log })
        : which === 'reconcile'
          ? await benchReconcile({ ...(options as unknown as Omit<ReconcileBenchOptions, 'log'>), log })
          : undefined;
  if (result === undefined) throw new Error(`unknown stack benchmark ${String(which)}`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
};

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
