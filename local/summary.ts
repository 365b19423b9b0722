import { matchesAnyGlob } from '../shared/core/domain/glob';
import { IMAGE_VERDICT } from '../shared/core/events/tollgate-detail-types';
import type { LocalStack, PipelineStage } from './stack';

/** The stages an image passes through on its way to a verdict. */
const PIPELINE_PATH: readonly PipelineStage[] = ['on-push', 'on-scan', 'on-timeout', 'sign'];

/** One image in the summary `tollgate local` prints (`--json` prints these as they are). */
export interface ImageSummary {
  readonly repository: string;
  readonly digest: string;
  readonly tags: readonly string[];
  /**
   * The verdict (`APPROVED`, `REJECTED`, `ERROR`, `REVOKED`), or where the image stopped and why:
   * `not built (on-push)` when a stage has no function yet, `PENDING_SCAN (no verdict after 120 s)`.
   */
  readonly verdict: string;
  readonly signatures: readonly { readonly format: string; readonly reference: string }[];
  /** `event` (ECR's push event started it) or `sweep` (the sweep found it); absent while there is no record. */
  readonly decidedBy?: 'event' | 'sweep';
}

export interface LocalSummary {
  /** `host:port` of the registry the images are in. */
  readonly registry: string;
  readonly images: readonly ImageSummary[];
  /**
   * What the first sweep found in the registry before the samples were pushed: images no event had brought,
   * now judged (`record`), and those already current. Absent when the template has no sweep.
   */
  readonly firstSweep?: {
    readonly images: number;
    readonly judged: number;
    readonly actions: Readonly<Record<string, number>>;
  };
}

export interface PushedImage {
  readonly repository: string;
  readonly digest: string;
  readonly tag?: string;
}

/** Where one image is: `final` once nothing more will happen to it (or a stage that would is missing). */
export interface ImageProgress {
  readonly final: boolean;
  readonly summary: ImageSummary;
}

/**
 * Where the pipeline has taken `image`, from the verdict table (through the real SDK) and the
 * `Tollgate Image Verdict` events recorded on the Tollgate bus. A missing stage is reported as
 * `not built`, never filled in.
 */
export const imageProgress = async (stack: LocalStack, image: PushedImage): Promise<ImageProgress> => {
  const tags = image.tag === undefined ? [] : [image.tag];
  const summary = (verdict: string, extra: Partial<ImageSummary> = {}): ImageSummary => ({
    repository: image.repository,
    digest: image.digest,
    tags,
    verdict,
    signatures: [],
    ...extra,
  });
  if (!stack.stageBuilt('on-push')) return { final: true, summary: summary('not built (on-push)') };
  const repositories = coveredRepositories(stack);
  if (repositories !== undefined && !matchesAnyGlob(repositories, image.repository)) {
    return { final: true, summary: summary('not covered (repositories in the config)') };
  }

  const record = await stack.verdicts.read(image.repository, image.digest);
  const recordTags = record?.tags.length ? record.tags : tags;
  const event = verdictEventFor(stack, image);
  if (event !== undefined) {
    const signatures = record?.signatures.length ? record.signatures : event.signatures;
    return {
      final: true,
      summary: summary(event.verdict, {
        tags: recordTags,
        signatures,
        ...(record === undefined ? {} : { decidedBy: record.decidedBy }),
      }),
    };
  }
  // A pipeline stage that gave up on this image (its retries ran out) ends its way through the pipeline.
  // Side stages (alerts) failing do not: the verdict stands without them.
  const failed = stack.runtime.deadLetters.find(
    (letter) =>
      PIPELINE_PATH.includes(stack.stageOf(letter.functionName) ?? 'notify') &&
      JSON.stringify(letter.record.requestPayload).includes(image.digest),
  );
  if (failed !== undefined) {
    const where = `${failed.functionName} failed: ${failed.record.responsePayload.errorMessage}`;
    const status = record?.outcome ?? record?.status ?? 'no record';
    return {
      final: true,
      summary: summary(`${status} (${where})`, { tags: recordTags, signatures: record?.signatures ?? [] }),
    };
  }
  if (record === undefined) return { final: false, summary: summary('no record yet') };
  if (record.status === 'DECIDED' && record.outcome !== undefined) {
    if (record.outcome === 'APPROVED' && !stack.stageBuilt('sign')) {
      return { final: true, summary: summary('APPROVED (signing: not built)', { tags: recordTags }) };
    }
    // APPROVED is final once the signer has published it; the other verdicts once on-scan has.
    return {
      final: false,
      summary: summary(record.outcome, {
        tags: recordTags,
        signatures: record.signatures,
        decidedBy: record.decidedBy,
      }),
    };
  }
  if (record.status === 'PENDING_SCAN' && !stack.stageBuilt('on-scan')) {
    return { final: true, summary: summary('PENDING_SCAN (on-scan: not built)', { tags: recordTags }) };
  }
  return {
    final: false,
    summary: summary(record.status, { tags: recordTags, signatures: record.signatures }),
  };
};

/** The final summary line of an image that did not finish in time. */
export const timedOut = (progress: ImageProgress, seconds: number): ImageSummary => ({
  ...progress.summary,
  verdict: `${progress.summary.verdict} (no verdict after ${seconds} s)`,
});

const verdictEventFor = (
  stack: LocalStack,
  image: PushedImage,
): { readonly verdict: string; readonly signatures: ImageSummary['signatures'] } | undefined => {
  const events = stack.standIn.events();
  for (let i = events.length - 1; i >= 0; i--) {
    const { event } = events[i]!;
    if (event['detail-type'] !== IMAGE_VERDICT) continue;
    const detail = event.detail as {
      verdict?: unknown;
      image?: { repository?: unknown; digest?: unknown };
      signatures?: unknown;
    };
    if (detail.image?.repository !== image.repository || detail.image.digest !== image.digest) continue;
    if (typeof detail.verdict !== 'string') continue;
    const signatures = Array.isArray(detail.signatures)
      ? (detail.signatures as { format?: unknown; reference?: unknown }[]).flatMap(({ format, reference }) =>
          typeof format === 'string' && typeof reference === 'string' ? [{ format, reference }] : [],
        )
      : [];
    return { verdict: detail.verdict, signatures };
  }
  return undefined;
};

/** The `repositories` of the Tollgate configuration the functions run with, when the template has it. */
const coveredRepositories = (stack: LocalStack): readonly string[] | undefined => {
  for (const fn of stack.deployment.functions) {
    const raw = fn.environment.TOLLGATE_CONFIG;
    if (raw === undefined) continue;
    try {
      const config = JSON.parse(raw) as { repositories?: unknown };
      if (Array.isArray(config.repositories)) {
        return config.repositories.filter((pattern): pattern is string => typeof pattern === 'string');
      }
    } catch {
      return undefined;
    }
  }
  return undefined;
};

/**
 * The `tollgate verify` command that checks one image against the local signing key, runnable as printed from the
 * project folder: `npx` finds the project's own `tollgate` bin (a clone has no `tollgate` on the PATH), the image
 * is pinned by digest, and the key is the PEM file, so no AWS credentials or endpoint are needed. The registry is
 * loopback, which the gate reaches over plain HTTP and anonymously.
 */
export const verifyCommand = (registryHost: string, image: ImageSummary, publicKeyFile: string): string =>
  `npx tollgate verify ${registryHost}/${image.repository}@${image.digest} --key ${shellQuote(publicKeyFile)}`;

/** The line before the verify commands: they need the registry, which `tollgate local` stops when it exits. */
export const VERIFY_HEADER =
  'Verify each image against the local signing key (from the project folder, while the registry runs: add --keep-running):';

const shellQuote = (text: string): string =>
  /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;

/** The human summary: one table of images, then the verify command of each. */
export const renderSummary = (
  summary: LocalSummary,
  options: { readonly publicKeyFile?: string; readonly stages: string; readonly deadLetters: number },
): string => {
  const rows = summary.images.map((image) => [
    image.repository,
    `${image.digest.slice(0, 19)}…`,
    image.tags.join(', ') || '-',
    image.verdict,
    image.decidedBy ?? '-',
    image.signatures.length === 0
      ? '-'
      : image.signatures.map((s) => `${s.format} ${s.reference}`).join('\n'),
  ]);
  const lines = [
    `Registry ${summary.registry}   Pipeline: ${options.stages}`,
    '',
    ...table(['REPOSITORY', 'DIGEST', 'TAGS', 'VERDICT', 'BY', 'SIGNATURES'], rows),
  ];
  if (summary.firstSweep !== undefined) {
    const { images, judged } = summary.firstSweep;
    lines.push(
      '',
      `First sweep: ${images} image(s) already in the registry; ${judged} had no verdict and were judged by the sweep (BY sweep), the rest were current.`,
    );
  }
  if (options.deadLetters > 0) {
    lines.push(
      '',
      `${options.deadLetters} invocation(s) exhausted their retries; see the progress log above.`,
    );
  }
  if (options.publicKeyFile !== undefined && summary.images.length > 0) {
    lines.push('', VERIFY_HEADER);
    for (const image of summary.images)
      lines.push(`  ${verifyCommand(summary.registry, image, options.publicKeyFile)}`);
  }
  return `${lines.join('\n')}\n`;
};

/** A plain-text table; a cell with line breaks takes several lines. */
const table = (header: readonly string[], rows: readonly (readonly string[])[]): string[] => {
  const widths = header.map((title, column) =>
    Math.max(
      title.length,
      ...rows.flatMap((row) => (row[column] ?? '').split('\n').map((line) => line.length)),
    ),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  const out = [line(header)];
  for (const row of rows) {
    const height = Math.max(...row.map((cell) => cell.split('\n').length));
    for (let i = 0; i < height; i++) out.push(line(row.map((cell) => cell.split('\n')[i] ?? '')));
  }
  return out;
};
