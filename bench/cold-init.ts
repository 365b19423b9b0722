/**
 * Cold init of each bundled handler: the esbuild output CDK deploys (same options as
 * infra/constructs/tollgate-function.ts), its size, and the time a fresh Node process takes to load
 * it and reach `handler`, as a ratio to `node -e 0` measured in the same run.
 * Run: npx tsx bench/cold-init.ts [--json], or all benchmarks with `npm run bench`. Target: ≤ 3× `node -e 0` and ≤ 1.5 MB per bundle.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { median, round } from './stats';

const ROOT = resolve(__dirname, '..');
const RUNS = 15;

export interface ColdInitResult {
  readonly handler: string;
  readonly bundleBytes: number;
  /** Median wall time of a fresh `node` loading the bundle and reaching `handler`. */
  readonly initMs: number;
  /** Median wall time of `node -e 0` in the same run. */
  readonly nodeMs: number;
  readonly ratioToBareNode: number;
  /** The source map CDK deploys next to the bundle (`sourceMap: true`); not loaded unless an error is mapped. */
  readonly sourceMapBytes: number;
}

/**
 * What the Tollgate construct sets on every function (tollgate-function.ts and infra/tollgate.ts), so code
 * that reads its environment at module load behaves as in Lambda. Table and bus names are placeholders:
 * nothing is called before `handler` runs.
 */
const FUNCTION_ENV: Readonly<Record<string, string>> = {
  POWERTOOLS_SERVICE_NAME: 'tollgate',
  POWERTOOLS_METRICS_NAMESPACE: 'Tollgate',
  AWS_REGION: 'us-east-1',
  AWS_LAMBDA_FUNCTION_NAME: 'tollgate-bench',
};

const timeNode = (args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): number => {
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], env });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${run.stderr.toString()}`);
  return elapsed;
};

export const handlerEntries = (): string[] =>
  readdirSync(join(ROOT, 'functions'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join('functions', entry.name, 'handler.ts'))
    .filter((entry) => statSync(join(ROOT, entry), { throwIfNoEntry: false }) !== undefined)
    .sort();

export const benchColdInit = (log: (line: string) => void = () => undefined): ColdInitResult[] => {
  const work = mkdtempSync(join(tmpdir(), 'tollgate-cold-init-'));
  try {
    const results: ColdInitResult[] = [];
    for (const entry of handlerEntries()) {
      const name = entry.split('/')[1] ?? entry;
      const outfile = join(work, `${name}.js`);
      buildSync({
        entryPoints: [join(ROOT, entry)],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node24',
        minify: true,
        sourcemap: true,
        // The nodejs24.x runtime provides the SDK v3; resolved here from node_modules, as Lambda does from its own.
        external: ['@aws-sdk/*'],
        outfile,
        logLevel: 'error',
      });
      // The environment a deployed function has, so module-level code runs as it would there.
      const probe = join(work, `${name}.probe.js`);
      writeFileSync(
        probe,
        `const m = require(${JSON.stringify(outfile)}); if (typeof m.handler !== 'function') process.exit(3);`,
      );
      // The bare baseline gets the same environment, so the ratio is what the bundle adds and nothing else.
      const env = {
        ...process.env,
        ...FUNCTION_ENV,
        NODE_OPTIONS: '--enable-source-maps',
        NODE_PATH: join(ROOT, 'node_modules'),
      };
      const nodeMs: number[] = [];
      const initMs: number[] = [];
      // Interleaved, so that a burst of load on a shared machine hits both series alike.
      for (let run = 0; run < RUNS; run++) {
        nodeMs.push(timeNode(['-e', '0'], ROOT, env));
        initMs.push(timeNode([probe], ROOT, env));
      }
      const result: ColdInitResult = {
        handler: name,
        bundleBytes: statSync(outfile).size,
        initMs: round(median(initMs)),
        nodeMs: round(median(nodeMs)),
        ratioToBareNode: round(median(initMs) / median(nodeMs), 2),
        sourceMapBytes: statSync(`${outfile}.map`).size,
      };
      log(
        `cold init ${name}: ${(result.bundleBytes / 1024).toFixed(0)} KiB, init ${result.initMs.toFixed(1)} ms = ${result.ratioToBareNode.toFixed(2)}× node -e 0 (${result.nodeMs.toFixed(1)} ms)`,
      );
      results.push(result);
    }
    return results;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
};

if (require.main === module) {
  const json = process.argv.includes('--json');
  const results = benchColdInit((line) => process.stderr.write(`${line}\n`));
  if (json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}
