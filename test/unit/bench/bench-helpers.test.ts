import { accessSync, constants, readFileSync } from 'node:fs';
import { procCpuUs, stackCpuPerImage } from '../../../bench/stack-cpu';
import { benchScratchDir } from '../../../bench/scratch-dir';
import { routeKind } from '../../../local/registry-front';
import { formatReport } from '../../../bench/report';
import { percentile } from '../../../bench/stats';
import { criticalPath, longestChain, type TimedCall } from '../../../bench/critical-path';
import { againstMinimum, ECR_PATH_MINIMUM_TOTAL } from '../../../bench/minimum';
import { costPerImage } from '../../../bench/cost';
import type { FunctionUsage } from '../../../local/lambda';

describe('routeKind', () => {
  it.each([
    ['/v2/', 'ping'],
    ['/v2/_catalog', 'catalog'],
    ['/v2/team/app/manifests/v1', 'manifest'],
    ['/v2/team/app/manifests/sha256-abc.sig', 'manifest'],
    ['/v2/team/app/blobs/sha256:abc', 'blob'],
    ['/v2/team/app/blobs/uploads/', 'blob upload'],
    ['/v2/team/app/blobs/uploads/3385f268-e534', 'blob upload'],
    ['/v2/team/app/tags/list', 'tags list'],
    ['/v2/team/app/referrers/sha256:abc', 'referrers'],
    ['/v2/team/app/something', 'other'],
  ])('counts %s as a %s call', (path, kind) => {
    expect(routeKind(path)).toBe(kind);
  });

  it('does not take a repository named like a route for the route', () => {
    expect(routeKind('/v2/blobs/manifests/v1')).toBe('manifest');
    expect(routeKind('/v2/manifests/blobs/sha256:abc')).toBe('blob');
  });
});

describe('percentile', () => {
  it('takes the nearest rank, whatever the order of the samples', () => {
    const samples = [50, 10, 40, 20, 30, 100, 90, 80, 70, 60];
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 95)).toBe(100);
    expect(percentile(samples, 0)).toBe(10);
  });

  it('is NaN without samples, so a run that judged nothing cannot look fast', () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('formatReport', () => {
  const machine = {
    cores: 2,
    cpuModel: 'test',
    memoryGb: 4,
    node: 'v24',
    os: 'linux',
    date: '2026-11-29',
    scratchDir: '/dev/shm',
  };

  it('marks a figure over its target as missed and one within it as met', () => {
    const report = formatReport({
      machine,
      evaluate: [{ findings: 100_000, ms: 120, peakRssMb: 150, baselineRssMb: 80 }],
      coldInit: [
        {
          handler: 'sign',
          bundleBytes: 1_000_000,
          initMs: 100,
          nodeMs: 40,
          ratioToBareNode: 2.5,
          sourceMapBytes: 1,
        },
      ],
    });
    expect(report).toMatch(/evaluate 100,000 findings .*\| MISSED \|/);
    expect(report).toMatch(/cold init sign .*\| met \|/);
    expect(report).toMatch(/bundle sign .*\| met \|/);
  });
});

describe('longestChain (the critical path of one traced image)', () => {
  const call = (kind: TimedCall['kind'], startMs: number, endMs: number): TimedCall => ({
    kind,
    startMs,
    endMs,
    label: `${kind}@${startMs}`,
  });
  const cost = { registry: 2, standIn: 1, dynamodb: 1 };

  it('counts calls that ran one after the other, and one of each group that overlapped', () => {
    // r0 → (r1 ∥ r2 ∥ d3) → s4: three side-by-side uploads count once.
    const calls = [
      call('registry', 0, 5),
      call('registry', 6, 10),
      call('registry', 6, 11),
      call('dynamodb', 7, 9),
      call('standIn', 12, 13),
    ];
    const path = criticalPath(calls, cost);
    expect(path.depth).toEqual({ registry: 2, standIn: 1, dynamodb: 0 });
    expect(path.ms).toBe(5);
    expect(path.chain).toEqual(['registry registry@0', 'registry registry@6', 'standIn standIn@12']);
  });

  it('is empty for no calls', () => {
    expect(longestChain([], cost)).toEqual({ chain: [], ms: 0 });
  });
});

describe('againstMinimum', () => {
  it('puts every API beside its minimum on the ECR path, unknown ones at 0', () => {
    const rows = againstMinimum({ 'kms:Sign': 3, 'registry:HEAD manifest': 4, 'registry:PUT manifest': 4 });
    expect(rows.find((row) => row.api === 'kms:Sign')).toEqual({
      api: 'kms:Sign',
      count: 3,
      minimum: 3,
      above: 0,
    });
    expect(rows.find((row) => row.api === 'registry:HEAD manifest')?.above).toBe(4);
    expect(rows.find((row) => row.api === 'registry:PUT manifest')?.above).toBe(1);
    // A minimum call that never happened shows as missing, not as met.
    expect(rows.find((row) => row.api === 'events:PutEvents')).toMatchObject({
      count: 0,
      minimum: 2,
      above: -2,
    });
    expect(ECR_PATH_MINIMUM_TOTAL).toBe(19);
  });
});

describe('costPerImage', () => {
  const usage = (over: Partial<FunctionUsage>): FunctionUsage => ({
    invocations: 10,
    cpuMs: 100,
    durationMs: 200,
    billedMs: 210,
    memoryMb: 512,
    coldInvocations: 0,
    coldCpuMs: 0,
    ...over,
  });

  it('takes a cold start that fell inside the window out of the warm figure, and counts it', () => {
    // 10 invocations for 5 images; one of them a cold start costing 82 ms, the 9 warm ones 2 ms each.
    const { cpu } = costPerImage({ sign: usage({ cpuMs: 100, coldInvocations: 1, coldCpuMs: 82 }) }, 5);
    expect(cpu.totalMs).toBe(20);
    expect(cpu.warmByFunction).toEqual({ sign: 4 });
    expect(cpu.warmTotalMs).toBe(4);
    expect(cpu.coldStarts).toEqual({ sign: 1 });
  });

  it('is the plain figure when no environment started', () => {
    const { cpu } = costPerImage({ 'on-push': usage({}), 'on-scan': usage({ cpuMs: 50 }) }, 10);
    expect(cpu.warmTotalMs).toBe(cpu.totalMs);
    expect(cpu.warmTotalMs).toBe(15);
  });
});

describe('benchScratchDir', () => {
  it('takes TOLLGATE_BENCH_TMPDIR when set, and else a folder it can write to', () => {
    expect(benchScratchDir({ TOLLGATE_BENCH_TMPDIR: '/var/tmp/bench' })).toBe('/var/tmp/bench');
    const chosen = benchScratchDir({});
    expect(() => accessSync(chosen, constants.W_OK)).not.toThrow();
  });
});

describe('stack CPU per image', () => {
  it('reads utime and stime from /proc/<pid>/stat, whatever the command name holds', () => {
    // pid (comm) state ppid … utime stime: fields 14 and 15, in ticks of 10 ms.
    const stat = `4242 (docker) registry) S 1 ${'0 '.repeat(9)}250 50 0 0 20 0 8`;
    expect(procCpuUs(stat)).toBe(3_000_000);
    expect(procCpuUs(readFileSync('/proc/self/stat', 'utf8'))).toBeGreaterThan(0);
  });

  it('splits the stack’s CPU per image and bounds the throughput by it', () => {
    const perImage = stackCpuPerImage(
      { processUs: 1_000_000, registryUs: 500_000 },
      { processUs: 4_000_000, registryUs: 2_500_000 },
      10,
      100,
      2,
    );
    expect(perImage).toEqual({
      processMs: 300,
      functionsMs: 100,
      standInFrontDynamoMs: 200,
      registryMs: 200,
      totalMs: 500,
      imagesPerSecondBound: 4,
      cores: 2,
    });
    expect(
      stackCpuPerImage(
        { processUs: 0, registryUs: undefined },
        { processUs: 1e6, registryUs: undefined },
        10,
        0,
        2,
      ).registryMs,
    ).toBeUndefined();
  });
});
