import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UsageError } from '../command';
import type { Finding, ImageRef, ScanSummary } from '../../shared/core/domain';
import {
  ImageMismatchError,
  ReportLimitError,
  assertReportImage,
  type ReadReport,
  type ScannerReport,
} from '../../shared/core/findings/scanners';
import type { ImageReference } from '../../shared/core/gate/image-reference';
import { formatBytes } from '../../shared/core/oci/limits';

/** A file that cannot be read, or is not JSON: exit 2 with the message. */
export class InputFileError extends Error {
  public constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'InputFileError';
  }
}

const CHUNK_BYTES = 1024 * 1024;

/**
 * Reads a file of at most `limit` bytes. The size is checked before the read and again while reading, so a file
 * that grows, a FIFO or a device is cut off at the limit rather than read without end.
 * @throws ReportLimitError past the limit, InputFileError when it cannot be read
 */
export const readBoundedText = (file: string, what: string, limit: number): string => {
  const cannotRead = (error: unknown): InputFileError =>
    new InputFileError(`cannot read the ${what} file ${file}: ${(error as Error).message}`, { cause: error });
  const tooLarge = (): ReportLimitError =>
    new ReportLimitError(
      'bytes',
      `the ${what} file ${file} is larger than ${formatBytes(limit)}, the most Tollgate reads`,
    );
  let descriptor: number;
  try {
    descriptor = openSync(file, 'r');
  } catch (error) {
    throw cannotRead(error);
  }
  try {
    let size: number;
    try {
      size = fstatSync(descriptor).size;
    } catch (error) {
      throw cannotRead(error);
    }
    if (size > limit) throw tooLarge();
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(CHUNK_BYTES, limit + 1 - total));
      let read: number;
      try {
        read = readSync(descriptor, chunk, 0, chunk.length, null);
      } catch (error) {
        throw cannotRead(error);
      }
      if (read === 0) break;
      total += read;
      if (total > limit) throw tooLarge();
      chunks.push(chunk.subarray(0, read));
    }
    // A UTF-8 byte order mark, as some editors and shells write one, is not JSON but is no reason to refuse.
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/^\ufeff/, '');
  } finally {
    closeSync(descriptor);
  }
};

/** What is judged, however the file spelled it. */
export interface Judgement {
  readonly findings: readonly Finding[];
  readonly scan: ScanSummary;
  readonly image: ImageRef;
  /** An ECR file whose last page has a nextToken: findings are missing. */
  readonly truncated: boolean;
  /** Lines for the verdict's warnings: what the file holds that is not judged, how the image was named. */
  readonly notes: readonly string[];
  /** Which format the file was read as. */
  readonly format: ReadReport['format'];
  /** For a Trivy or Grype report: `Trivy dev, testdata/…/alpine-310.tar.gz`. */
  readonly source?: string;
}

export interface JudgementOptions {
  /** `--image REF@DIGEST`, parsed: it has a digest. */
  readonly image?: ImageReference & { readonly digest: NonNullable<ImageReference['digest']> };
  /** `--repository NAME`. */
  readonly repository?: string;
  /** The findings file's name, for messages. */
  readonly file: string;
}

const NO_DIGEST_HINT: Record<ScannerReport['format'], string> = {
  trivy:
    'its Metadata.RepoDigests is empty, as for an image read from an archive or built and never pushed; scan the pushed image by digest (trivy image --format json -o report.json REF@DIGEST), or leave out --image',
  grype:
    'its source.target lists no repoDigests and no manifestDigest; scan the pushed image by digest (grype REF@DIGEST -o json), or leave out --image',
};

/**
 * The findings, scan and image to judge. With `--image`, the file must be about that digest; without, the image is
 * the one the file names. The repository is `--repository`, else `--image`'s, else the file's.
 * @throws ImageMismatchError when the file is not about `--image`, or names no image at all
 * @throws UsageError when no repository can be found
 */
export const judgementOf = (read: ReadReport, options: JudgementOptions): Judgement =>
  read.format === 'ecr' ? ecrJudgement(read.scan, options) : reportJudgement(read.report, options);

const ecrJudgement = (
  scan: Extract<ReadReport, { format: 'ecr' }>['scan'],
  options: JudgementOptions,
): Judgement => {
  const { image, file } = options;
  if (image !== undefined) {
    assertReportImage([scan.digest], image.digest, 'it names its image by imageId.imageDigest', file);
  }
  const repository = options.repository ?? image?.repository ?? scan.repository;
  if (repository === undefined) {
    throw new UsageError(`${file} names no repositoryName: pass --repository NAME or --image REF@DIGEST`);
  }
  const tag = image?.tag ?? scan.tag;
  // The gate decides on the digest; the registry is only shown, and a saved scan names no region.
  return {
    findings: scan.findings,
    scan: scan.scan,
    image: {
      registry: image?.registry ?? scan.registryId ?? 'unknown',
      repository,
      digest: scan.digest,
      ...(tag === undefined ? {} : { tag }),
    },
    truncated: scan.truncated,
    notes: [],
    format: 'ecr',
  };
};

const reportJudgement = (report: ScannerReport, options: JudgementOptions): Judgement => {
  const { image, file } = options;
  const notes = [...report.notes];
  let digest = image?.digest;
  if (image !== undefined) {
    assertReportImage(report.digests, image.digest, NO_DIGEST_HINT[report.format], file);
  } else {
    digest = report.digests[0];
    if (digest === undefined && report.imageId !== undefined) {
      digest = report.imageId;
      notes.push(
        `${file} names no registry digest: the image is shown by its image ID ${report.imageId}, the digest of its config, which no registry knows it by; scan the pushed image by REF@DIGEST and pass --image REF@DIGEST to tie the verdict to it`,
      );
    }
  }
  if (digest === undefined) {
    throw new ImageMismatchError(
      'NO_DIGEST',
      `${file} names no image: no repo digest, no manifest digest, no image ID; Tollgate judges container images (trivy image, grype REF)`,
    );
  }
  const named = report.references[0];
  const repository = options.repository ?? image?.repository ?? named?.repository;
  if (repository === undefined) {
    throw new UsageError(
      `${file} names no repository (no RepoTags or RepoDigests, no tags or repoDigests): pass --repository NAME or --image REF@DIGEST`,
    );
  }
  const tag = image?.tag ?? report.references.find((reference) => reference.tag !== undefined)?.tag;
  const scanner = report.format === 'trivy' ? 'Trivy' : 'Grype';
  return {
    findings: report.findings,
    scan: registryShaped(report),
    image: {
      registry: image?.registry ?? named?.registry ?? 'unknown',
      repository,
      digest,
      ...(tag === undefined ? {} : { tag }),
    },
    truncated: false,
    notes,
    format: report.format,
    source: [
      `${scanner}${report.scannerVersion === undefined ? '' : ` ${report.scannerVersion}`}`,
      report.artifactName,
    ]
      .filter((part) => part !== undefined)
      .join(', '),
  };
};

/**
 * The verdict's scan summary names the registry's scanners (ECR basic scanning, Inspector). A report's verdict
 * never leaves this command (it is printed: never recorded, published or signed), so it carries the report's own
 * scanner, TRIVY or GRYPE, which the verdict shape does not list.
 */
const registryShaped = (report: ScannerReport): ScanSummary => report.scan as unknown as ScanSummary;
