import { readFile } from 'node:fs/promises';
import * as z from 'zod';
import { SEVERITIES, type Severity } from '../../../shared/core/domain';
import type { Digest } from '../../../shared/core/domain';
import type { RegistryView } from '../ecr/registry';

/** The image config label an image can carry to say what the simulated scanner should find in it. */
export const FINDINGS_LABEL = 'org.tollgate.simulated-findings';

/** One simulated vulnerability, in the stand-in's own terms; rendered as ECR basic or Inspector findings. */
export interface SimulatedFinding {
  readonly name: string;
  readonly severity: Severity;
  readonly description?: string;
  readonly uri?: string;
  readonly package?: string;
  readonly version?: string;
  readonly fixedIn?: string;
  readonly cvss?: number;
  /** The ECR basic finding exactly as a findings file gave it; rendered back unchanged. */
  readonly basic?: Readonly<Record<string, unknown>>;
}

export type FindingsOrigin = 'findings-file' | 'label' | 'none';

export interface SimulatedResult {
  readonly origin: FindingsOrigin;
  readonly findings: readonly SimulatedFinding[];
  /** A status the findings file dictates, e.g. FAILED. */
  readonly status?: string;
}

const labelFindingSchema = z.object({
  name: z.string().min(1),
  severity: z.enum(SEVERITIES),
  package: z.string().optional(),
  version: z.string().optional(),
  fixedIn: z.string().optional(),
  cvss: z.number().min(0).max(10).optional(),
});

const basicFindingSchema = z.looseObject({
  name: z.string().min(1),
  severity: z.enum(SEVERITIES),
  description: z.string().optional(),
  uri: z.string().optional(),
  attributes: z.array(z.object({ key: z.string(), value: z.string().optional() })).optional(),
});

const findingsFileSchema = z.record(
  z.string(),
  z.object({ status: z.string().min(1).optional(), findings: z.array(basicFindingSchema).default([]) }),
);

/**
 * What the simulated scanner "finds" in `repository@digest`: the findings file's entry when there is
 * one, else the image config's `org.tollgate.simulated-findings` label, else nothing (a clean image).
 * @throws Error when the file or label is malformed: the scan then FAILS, visibly.
 */
export const simulatedFindings = async (
  registry: RegistryView,
  repository: string,
  digest: Digest,
  findingsFile: string | undefined,
): Promise<SimulatedResult> => {
  const fromFile =
    findingsFile === undefined ? undefined : await readFindingsFile(findingsFile, repository, digest);
  if (fromFile !== undefined) return fromFile;
  const label = await readLabel(registry, repository, digest);
  if (label === undefined) return { origin: 'none', findings: [] };
  const parsed = z.array(labelFindingSchema).safeParse(parseJson(label, `label ${FINDINGS_LABEL}`));
  if (!parsed.success) throw new Error(`label ${FINDINGS_LABEL} is malformed: ${parsed.error.message}`);
  return {
    origin: 'label',
    findings: parsed.data.map((finding) => stripUndefined({ ...finding })),
  };
};

const readFindingsFile = async (
  path: string,
  repository: string,
  digest: string,
): Promise<SimulatedResult | undefined> => {
  // Read for every scan, so a test can change the file between pushes.
  const parsed = findingsFileSchema.safeParse(
    parseJson(await readFile(path, 'utf8'), `findings file ${path}`),
  );
  if (!parsed.success) throw new Error(`findings file ${path} is malformed: ${parsed.error.message}`);
  const entry = parsed.data[`${repository}@${digest}`];
  if (entry === undefined) return undefined;
  return {
    origin: 'findings-file',
    findings: entry.findings.map(fromBasic),
    ...(entry.status === undefined ? {} : { status: entry.status }),
  };
};

/** The label from the image config; `undefined` for an index, an artifact or an image without it. */
const readLabel = async (
  registry: RegistryView,
  repository: string,
  digest: Digest,
): Promise<string | undefined> => {
  const manifest = await registry.manifest(repository, digest);
  if (manifest?.parsed?.kind !== 'image') return undefined;
  const config = parseJson(
    (await registry.client.getBlob(repository, manifest.parsed.manifest.config.digest)).toString('utf8'),
    'image config',
  ) as { config?: { Labels?: Record<string, unknown> } } | null;
  const label = config?.config?.Labels?.[FINDINGS_LABEL];
  return typeof label === 'string' ? label : undefined;
};

const fromBasic = (raw: z.output<typeof basicFindingSchema>): SimulatedFinding => {
  const attribute = (key: string): string | undefined =>
    raw.attributes?.find((entry) => entry.key === key)?.value ?? undefined;
  const score = Number(attribute('CVSS3_SCORE') ?? attribute('CVSS2_SCORE'));
  return stripUndefined({
    name: raw.name,
    severity: raw.severity,
    description: raw.description,
    uri: raw.uri,
    package: attribute('package_name'),
    version: attribute('package_version'),
    cvss: Number.isFinite(score) ? score : undefined,
    basic: raw,
  });
};

const parseJson = (text: string, what: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${what} is not JSON: ${(error as Error).message}`, { cause: error });
  }
};

type Defined<T> = { [K in keyof T]: Exclude<T[K], undefined> };

/** exactOptionalPropertyTypes: optional fields are left out, never set to undefined. */
const stripUndefined = <T extends object>(value: T): Defined<T> =>
  Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Defined<T>;
