import { formatBytes } from '../../oci/limits';
import { ReportLimitError } from './errors';

const MiB = 1024 * 1024;

/**
 * The largest findings file `tollgate evaluate` reads: 128 MiB. Trivy's report of a large image with every
 * description and reference is tens of MiB; past this the file is refused, before it is parsed.
 */
export const MAX_REPORT_BYTES = 128 * MiB;

/**
 * How deep a report may nest: 64 levels of arrays and objects. Trivy's and Grype's own reports nest about ten deep
 * (image config, package metadata); deeper is a broken or hostile file.
 */
export const MAX_REPORT_DEPTH = 64;

/** The most findings one report may hold: 100,000. More is refused, never judged in part. */
export const MAX_REPORT_FINDINGS = 100_000;

/** `128 MiB`, as the docs spell the byte limit. */
export const describeByteLimit = (): string => formatBytes(MAX_REPORT_BYTES);

/**
 * @throws ReportLimitError when `value` nests deeper than MAX_REPORT_DEPTH. Walks without recursion, so a
 * document nested a million deep is refused rather than overflowing the stack.
 */
export const assertDepth = (value: unknown, limit: number = MAX_REPORT_DEPTH): void => {
  // The document itself is level 1; a primitive adds no level.
  const stack: { node: unknown; depth: number }[] = [{ node: value, depth: 1 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: unknown; depth: number };
    if (node === null || typeof node !== 'object') continue;
    if (depth > limit) {
      throw new ReportLimitError('depth', `the findings file nests deeper than ${limit} levels`);
    }
    const children: unknown[] = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) {
      if (child !== null && typeof child === 'object') stack.push({ node: child, depth: depth + 1 });
    }
  }
};

/** @throws ReportLimitError when a report holds more than MAX_REPORT_FINDINGS findings. */
export const assertFindingCount = (count: number, limit: number = MAX_REPORT_FINDINGS): void => {
  if (count > limit) {
    throw new ReportLimitError(
      'findings',
      `the findings file holds ${count} findings, more than the ${limit} Tollgate judges in one report`,
    );
  }
};
