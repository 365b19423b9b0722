import { join } from 'node:path';
import type { Digest } from '../../../shared/core/domain';
import type { StandInContext } from '../context';
import type { RegistryView } from '../ecr/registry';
import { DeferredStateFile, readState } from '../state-file';
import { simulatedFindings, type FindingsOrigin, type SimulatedFinding } from './findings-source';
import { severityCounts } from './render-findings';
import { ecrImageScanEvent, inspector2ScanEvent } from './scan-events';

export type ScanType = 'BASIC' | 'ENHANCED';

/** One simulated scan, as DescribeImageScanFindings reports it. */
export interface ScanRecord {
  readonly repository: string;
  readonly digest: Digest;
  readonly scanType: ScanType;
  /** ECR's imageScanStatus.status: IN_PROGRESS, then COMPLETE (ACTIVE for continuous enhanced), or FAILED... */
  readonly status: string;
  readonly description?: string;
  /** ISO 8601. */
  readonly startedAt: string;
  readonly completedAt?: string;
  readonly origin?: FindingsOrigin;
  readonly findings: readonly SimulatedFinding[];
  /** Always true: no scanner looked at the image. Kept in the state file so nobody mistakes it. */
  readonly simulated: true;
}

export interface SimulatedScannerOptions {
  readonly stateDir: string;
  /** See simulatedFindings. */
  readonly findingsFile?: string;
  /** @default 0 */
  readonly delayMs?: number;
  /**
   * Whether a finished scan puts its `ECR Image Scan` / `Inspector2 Scan` event on the default bus.
   * False simulates a lost event: the findings stay readable, nothing announces them.
   * @default true
   */
  readonly events?: boolean;
}

interface ScansFile {
  readonly simulated: true;
  readonly note: string;
  readonly scans: readonly ScanRecord[];
}

const NOTE =
  'These scans are SIMULATED by the Tollgate AWS stand-in: findings come from a findings file or the ' +
  'org.tollgate.simulated-findings image label. No vulnerability scanner ran.';

/**
 * Simulated image scanning. A scan starts IN_PROGRESS, and after `delayMs` takes its findings from
 * simulatedFindings, its status from setStatus or the findings file (else COMPLETE / ACTIVE), and
 * announces itself on the default bus as ECR or Inspector would.
 */
export class SimulatedScanner {
  readonly #file: DeferredStateFile;
  readonly #scans: Map<string, ScanRecord>;
  /** ECR allows one scan per image per 24 hours; here, one per stand-in lifetime. */
  readonly #startedNow = new Set<string>();
  readonly #overrides = new Map<string, { readonly status: string; readonly description?: string }>();

  public constructor(
    private readonly context: StandInContext,
    private readonly registry: RegistryView,
    private readonly options: SimulatedScannerOptions,
  ) {
    const path = join(options.stateDir, 'ecr', 'scans.json');
    const saved = readState<ScansFile>(path, { simulated: true, note: NOTE, scans: [] });
    this.#scans = new Map(saved.scans.map((scan) => [key(scan.repository, scan.digest), scan]));
    this.#file = new DeferredStateFile(path, (error) =>
      context.log(`could not save the simulated scans to ${path}: ${(error as Error).message}`),
    );
  }

  /** Writes pending changes now (the stand-in's stop). */
  public flush(): void {
    this.#file.flush();
  }

  public get(repository: string, digest: string): ScanRecord | undefined {
    return this.#scans.get(key(repository, digest));
  }

  public startedInThisLifetime(repository: string, digest: string): boolean {
    return this.#startedNow.has(key(repository, digest));
  }

  /** @param completeStatus the status of a scan that found what it found: COMPLETE, or ACTIVE for continuous enhanced */
  public start(repository: string, digest: Digest, scanType: ScanType, completeStatus: string): ScanRecord {
    const scanKey = key(repository, digest);
    this.#startedNow.add(scanKey);
    const record: ScanRecord = {
      repository,
      digest,
      scanType,
      status: 'IN_PROGRESS',
      startedAt: this.context.now().toISOString(),
      findings: [],
      simulated: true,
    };
    this.save(record);
    this.context.log(`SIMULATED ${scanType} scan of ${scanKey} started; no real scanner runs`);
    this.context.background.run(`simulated scan of ${scanKey}`, () => this.finish(record, completeStatus));
    return record;
  }

  /** Makes the image's scan end with `status` (e.g. FAILED): now if it has ended, else when it does. */
  public setStatus(repository: string, digest: string, status: string, description?: string): void {
    const override = description === undefined ? { status } : { status, description };
    this.#overrides.set(key(repository, digest), override);
    const current = this.get(repository, digest);
    if (current !== undefined && current.status !== 'IN_PROGRESS') {
      const { description: _old, ...rest } = current;
      this.save({ ...rest, ...override });
    }
  }

  private async finish(started: ScanRecord, completeStatus: string): Promise<void> {
    if (!(await this.context.background.sleep(this.options.delayMs ?? 0))) return;
    const { repository, digest } = started;
    let result: Partial<ScanRecord>;
    try {
      const found = await simulatedFindings(this.registry, repository, digest, this.options.findingsFile);
      result = { origin: found.origin, findings: found.findings, status: found.status ?? completeStatus };
    } catch (error) {
      result = {
        status: 'FAILED',
        description: `simulated scan failed: ${(error as Error).message}`,
        findings: [],
      };
    }
    const override = this.#overrides.get(key(repository, digest));
    const { description: _none, ...base } = started;
    const completed: ScanRecord = {
      ...base,
      ...result,
      ...override,
      completedAt: this.context.now().toISOString(),
    };
    this.save(completed);
    this.context.log(
      `SIMULATED scan of ${key(repository, digest)}: ${completed.status}, ${completed.findings.length} finding(s) from ${completed.origin ?? 'nowhere'}`,
    );
    if (this.options.events === false) return;
    const tags = await this.registry.tagsOf(repository, digest);
    const input = {
      accountId: this.context.accountId,
      region: this.context.region,
      repository,
      digest,
      imageTags: tags,
      status: completed.status,
      counts: severityCounts(completed.findings),
      time: this.context.now(),
    };
    if (completed.scanType === 'BASIC') {
      this.context.events.record('default', ecrImageScanEvent(input));
    } else if (completed.status === completeStatus) {
      // Inspector announces finished scans only; a failed one shows in DescribeImageScanFindings alone.
      this.context.events.record('default', inspector2ScanEvent(input));
    }
  }

  private save(record: ScanRecord): void {
    this.#scans.set(key(record.repository, record.digest), record);
    this.#file.changed((): ScansFile => ({ simulated: true, note: NOTE, scans: [...this.#scans.values()] }));
  }
}

const key = (repository: string, digest: string): string => `${repository}@${digest}`;
