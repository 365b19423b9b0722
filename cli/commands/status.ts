import { oneImage, parseCommandArgs } from '../args';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  defaultGateDeps,
  ecrRegion,
  formatImageReference,
  InvalidDurationError,
  InvalidImageReferenceError,
  parseDuration,
  parseImageReference,
  pinnedKeySource,
  registryApiHost,
  repositoryIdentity,
  type GateDeps,
  type ImageReference,
} from '../../shared/adapters/gate';
import { DynamoVerdictStore } from '../../shared/adapters/aws/dynamodb';
import { PublicKeyError } from '../../shared/core/gate/errors';
import { validateConfig } from '../../shared/core/config';
import { decisionOrigin, type Digest, type ImageRecord } from '../../shared/core/domain';
import { printable } from '../../shared/core/findings/scanners';
import { DEFAULT_VERIFICATION_TIMEOUT_MS, withDeadline } from '../../shared/app/registry/deadline';
import type { VerdictStore } from '../../shared/app/ports/verdict-store';
import { EXIT, UsageError, type CliIo, type Command } from '../command';
import { DEFAULT_KEY } from './verify';
import {
  attestationAge,
  findDisagreements,
  formatAge,
  type AttestationAge,
  type StatusSettings,
} from './status-check';
import { OWN_PLACES, PLACE_NAMES, readRegistryState, type RegistryState } from './status-registry';
import {
  loadSettings,
  sdkMessage,
  SettingsFileError,
  STACK_ENV,
  verdictTableName,
  type Environment,
} from './stack-options';

const USAGE = `Usage: tollgate status IMAGE [--table NAME] [--key awskms:///ALIAS-OR-ARN [--key-id KEY-ID] | --key FILE.pem]
                             [--config FILE] [--timeout 60s] [--json]

What Tollgate knows of one image, for whoever got the alert: its record in the verdict table (verdict, reasons,
policy digest, when it was decided and how, by an event or by the sweep; the announcement; the signatures it
names) beside what the registry really holds (our signatures per format, the attestation's age, other signers'
artifacts), and one line for each point where the two disagree.

  IMAGE               registry/repository:tag or registry/repository@sha256:<hex>; a tag is resolved to its
                      digest once, and everything is read for that digest
  --table NAME        the verdict table, stack output VerdictTableName (default: $${STACK_ENV.table}); read
                      with your AWS credentials (dynamodb:GetItem), in the ECR host's region, else the SDK's
  --key KEY           our signing key, as tollgate verify takes it: awskms:///alias/NAME,
                      awskms:///arn:aws:kms:... or a PEM public key file (default: ${DEFAULT_KEY}). A signature
                      is ours when it verifies with this key; every other is counted and listed, never judged
  --key-id KEY-ID     the key ID or key ARN an awskms:// alias must resolve to (stack output SigningKeyArn):
                      required with an alias, the default included
  --config FILE       the configuration the stack was deployed from: its signature formats, scanTimeoutMinutes,
                      attestation.refreshAfterHours, revocation, and the digest of its policy (default: Tollgate's
                      defaults, all three formats, refresh after 24 h; the policy is then not compared)
  --timeout DURATION  one deadline for every registry request, e.g. 30s, 2m (default: 60s)
  --json              print {"image","digest","record","registry","disagreements","agree"}

Disagreements include: "APPROVED but no .sig", "APPROVED but no attestation", "attestation 9 days old, refresh
due", "REVOKED but our signatures are present", "announcement pending", "record names a signature the registry
does not hold", "no record: never judged (run tollgate backfill)".

AWS endpoints: AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_KMS are honoured, as by every AWS SDK, so the same
command reads tollgate local (docs/cli-reconcile.md). Registries are reached as by tollgate verify.

Exit status: 0 the record and the registry agree, 1 they disagree or there is no record (one line each),
2 error (table or registry unreachable, bad key, bad argument).`;

/** The adapters of one run: the gate's (registry, key), and the verdict table. Tests pass in-memory ones. */
export interface StatusDeps {
  readonly gate: () => GateDeps;
  /** The verdict table `tableName`, in `region` (the ECR host's), else the SDK's default region. */
  readonly verdicts: (tableName: string, region: string | undefined) => Pick<VerdictStore, 'get'>;
  readonly env: () => Environment;
  readonly now: () => Date;
}

export const dynamoVerdicts = (tableName: string, region: string | undefined): Pick<VerdictStore, 'get'> =>
  new DynamoVerdictStore({
    client: DynamoDBDocumentClient.from(new DynamoDBClient(region === undefined ? {} : { region })),
    tableName,
  });

export const defaultStatusDeps: StatusDeps = {
  gate: defaultGateDeps,
  verdicts: dynamoVerdicts,
  env: () => process.env,
  now: () => new Date(),
};

export const createStatusCommand = (deps: Partial<StatusDeps> = {}): Command => ({
  name: 'status',
  summary: 'what Tollgate knows of one image, and where the registry disagrees',
  usage: USAGE,
  run: (argv, io) => run(argv, io, { ...defaultStatusDeps, ...deps }),
});

export const statusCommand = createStatusCommand();

interface StatusOptions {
  readonly image: ImageReference;
  readonly table: string;
  readonly key: string;
  readonly keyId?: string;
  readonly config?: string;
  readonly timeoutMs: number;
  readonly json: boolean;
}

/** What the command prints, in either form. */
interface StatusResult {
  readonly image: string;
  readonly digest: Digest | null;
  readonly record: ImageRecord | undefined;
  readonly inRegistry: boolean;
  readonly registry: RegistryState;
  readonly attestation: AttestationAge | undefined;
  readonly disagreements: readonly string[];
  readonly notes: readonly string[];
}

const run = async (argv: readonly string[], io: CliIo, deps: StatusDeps): Promise<number> => {
  const options = parseOptions(argv, deps.env());
  let settings: StatusSettings;
  try {
    settings = statusSettings(options.config);
  } catch (error) {
    if (!(error instanceof SettingsFileError)) throw error;
    io.stderr(`tollgate status: ${error.message}\n`);
    return EXIT.ERROR;
  }
  const gate = deps.gate();
  // The key before any request, as tollgate verify does: an unpinned alias is refused without a registry call.
  const key = await loadKey(pinnedKeySource(options.key, options.keyId, gate.publicKey));
  const now = deps.now();
  const reference = options.image;
  const client = gate.registry(reference.registry);
  const store = deps.verdicts(options.table, ecrRegion(registryApiHost(reference.registry)));
  const result = await withDeadline(options.timeoutMs, async (): Promise<StatusResult | undefined> => {
    const manifest = await client.findManifest(
      reference.repository,
      reference.digest ?? reference.tag ?? 'latest',
    );
    const digest = manifest?.digest ?? reference.digest;
    if (digest === undefined) return undefined;
    const identity = repositoryIdentity(reference);
    const [record, registry] = await Promise.all([
      readRecord(store, options.table, { repository: reference.repository, digest }),
      manifest === undefined
        ? Promise.resolve(EMPTY_REGISTRY)
        : readRegistryState(client, { identity, repository: reference.repository, digest }, key),
    ]);
    const inRegistry = manifest !== undefined;
    return {
      image: formatImageReference(reference),
      digest,
      record,
      inRegistry,
      registry,
      attestation: attestationAge(registry, settings, now),
      disagreements: findDisagreements({ record, inRegistry, registry }, settings, now),
      notes: notesOn(record, registry),
    };
  });
  if (result === undefined) {
    const image = formatImageReference(reference);
    io.stderr(`tollgate status: ${image} not found in ${reference.registry}: nothing to show\n`);
    return EXIT.NEGATIVE;
  }
  io.stdout(options.json ? `${JSON.stringify(toJson(result, now), null, 2)}\n` : toText(result, now));
  return result.disagreements.length === 0 ? EXIT.OK : EXIT.NEGATIVE;
};

const EMPTY_REGISTRY: RegistryState = {
  ours: { 'cosign-legacy': [], 'sigstore-bundle': [], 'vuln-attestation': [], 'vuln-attestation-att': [] },
  others: [],
  unreadable: [],
};

const statusSettings = (configFile: string | undefined): StatusSettings => {
  if (configFile === undefined) {
    // Tollgate's defaults, exactly as the schema gives them to a configuration that sets nothing.
    const config = validateConfig({ repositories: ['*'] });
    return {
      formats: config.signatures.formats,
      refreshAfterHours: config.attestation.refreshAfterHours,
      scanTimeoutMinutes: config.scanTimeoutMinutes,
    };
  }
  const { config, policy } = loadSettings(configFile);
  return {
    formats: config.signatures.formats,
    refreshAfterHours: config.attestation.refreshAfterHours,
    scanTimeoutMinutes: config.scanTimeoutMinutes,
    policyDigest: policy.digest,
    revocation: config.revocation,
  };
};

const loadKey = async (source: { publicKey(): Promise<{ readonly pem: string }> }): Promise<KeyObject> => {
  const { pem } = await source.publicKey();
  try {
    return createPublicKey(pem);
  } catch (error) {
    throw new PublicKeyError(`the trusted key is not a PEM public key: ${(error as Error).message}`, {
      cause: error,
    });
  }
};

const readRecord = async (
  store: Pick<VerdictStore, 'get'>,
  table: string,
  key: { readonly repository: string; readonly digest: Digest },
): Promise<ImageRecord | undefined> => {
  try {
    return await store.get(key);
  } catch (error) {
    const hint =
      error instanceof Error && error.name === 'ResourceNotFoundException'
        ? " (give the stack output VerdictTableName, in the stack's region: AWS_REGION)"
        : '';
    throw new Error(`cannot read the verdict table ${table}: ${sdkMessage(error)}${hint}`, { cause: error });
  }
};

const notesOn = (record: ImageRecord | undefined, registry: RegistryState): string[] => {
  const notes: string[] = [];
  if (record?.children !== undefined && record.children.length > 0) {
    notes.push(
      `an index of ${record.children.length} entries: each has a record and signatures of its own (tollgate status REPOSITORY@<entry digest>)`,
    );
  }
  if (record?.parent !== undefined) notes.push(`an entry of the index ${record.parent}`);
  if (registry.unreadable.length > 0) {
    notes.push(
      `${registry.unreadable.length} attached artifact(s) could not be read (too large, or not what they claim): whose they are cannot be told`,
    );
  }
  return notes;
};

const parseOptions = (argv: readonly string[], env: Environment): StatusOptions => {
  const parsed = parseCommandArgs(
    argv,
    {
      table: { type: 'string' },
      key: { type: 'string' },
      'key-id': { type: 'string' },
      config: { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    true,
  );
  const { values, positionals } = parsed;
  const reference = oneImage(positionals);
  let image: ImageReference;
  try {
    image = parseImageReference(reference);
  } catch (error) {
    if (error instanceof InvalidImageReferenceError) throw new UsageError(error.message);
    throw error;
  }
  let timeoutMs = DEFAULT_VERIFICATION_TIMEOUT_MS;
  if (values.timeout !== undefined) {
    try {
      timeoutMs = parseDuration(values.timeout);
    } catch (error) {
      if (error instanceof InvalidDurationError) throw new UsageError(`--timeout: ${error.message}`);
      throw error;
    }
  }
  return {
    image: image.tag === undefined && image.digest === undefined ? { ...image, tag: 'latest' } : image,
    table: verdictTableName(values.table, env),
    key: values.key ?? DEFAULT_KEY,
    ...(values['key-id'] === undefined ? {} : { keyId: values['key-id'] }),
    ...(values.config === undefined ? {} : { config: values.config }),
    timeoutMs,
    json: values.json,
  };
};

const toJson = (result: StatusResult, now: Date): Record<string, unknown> => {
  const { record } = result;
  const verdict = record?.verdict;
  return {
    image: result.image,
    digest: result.digest,
    record:
      record === undefined
        ? null
        : {
            status: record.status,
            verdict: verdict?.outcome ?? null,
            reasons: verdict?.reasons ?? [],
            ...(verdict?.outcome === 'ERROR' ? { error: verdict.error } : {}),
            ...(verdict?.outcome === 'REVOKED' ? { revokedAt: verdict.revokedAt } : {}),
            policyDigest: verdict?.policyDigest ?? null,
            decidedAt: verdict?.decidedAt ?? null,
            origin: decisionOrigin(record.correlationId),
            correlationId: record.correlationId ?? null,
            announcementPending: record.announcementPending === true,
            signatures: record.signatures ?? [],
            tags: record.tags,
            pushedAt: record.pushedAt,
            updatedAt: record.updatedAt,
          },
    registry: {
      holdsImage: result.inRegistry,
      ours: result.registry.ours,
      attestation:
        result.attestation === undefined
          ? null
          : {
              reference: result.attestation.reference,
              scanFinishedOn: result.attestation.scanFinishedOn ?? null,
              ageHours:
                result.attestation.ageMs === undefined
                  ? null
                  : Math.floor(result.attestation.ageMs / 3_600_000),
              refreshDue: result.attestation.refreshDue,
            },
      others: result.registry.others,
      unreadable: result.registry.unreadable,
    },
    disagreements: result.disagreements,
    notes: result.notes,
    agree: result.disagreements.length === 0,
    checkedAt: now.toISOString(),
  };
};

const toText = (result: StatusResult, now: Date): string => {
  const { record, registry } = result;
  const verdict = record?.status === 'DECIDED' ? record.verdict : undefined;
  const state = record === undefined ? 'NO RECORD' : (verdict?.outcome ?? record.status);
  const pinned =
    result.digest === null
      ? result.image
      : `${result.image.replace(/@sha256:[0-9a-f]{64}$/, '')}@${result.digest}`;
  const lines = [`${state}  ${pinned}`];
  const row = (label: string, value: string): void => {
    lines.push(`  ${label.padEnd(14)}${value}`);
  };
  const more = (value: string): void => {
    lines.push(`  ${' '.repeat(14)}${value}`);
  };
  if (record === undefined) {
    row('record', `none in the verdict table`);
  } else {
    const how = decisionOrigin(record.correlationId) === 'sweep' ? 'by the sweep' : 'by an event';
    const correlation = record.correlationId === undefined ? '' : ` (${printable(record.correlationId)})`;
    row(
      'record',
      verdict === undefined
        ? `${record.status} since ${record.updatedAt}, recorded ${how}${correlation}`
        : `${record.status}, decided ${verdict.decidedAt} ${how}${correlation}`,
    );
    if (verdict?.outcome === 'REVOKED') row('revoked', verdict.revokedAt);
    if (record.tags.length > 0) row('tags', record.tags.map(printable).join(', '));
    if (verdict !== undefined) {
      row('policy', verdict.policyDigest ?? '(none recorded)');
      const [first, ...rest] = verdict.reasons;
      row('reasons', first === undefined ? '(none)' : printable(first));
      for (const reason of rest) more(printable(reason));
      row('announcement', record.announcementPending === true ? 'pending' : 'published');
    }
    const signatures = record.signatures ?? [];
    if (signatures.length === 0) row('recorded', 'no signatures');
    signatures.forEach((signature, index) => {
      const text = `${signature.format.padEnd(17)} ${printable(signature.reference)}`;
      if (index === 0) row('recorded', text);
      else more(text);
    });
  }

  if (!result.inRegistry) {
    row('registry', 'does not hold the image');
  } else {
    let first = true;
    const registryRow = (value: string): void => {
      if (first) row('registry', value);
      else more(value);
      first = false;
    };
    for (const place of OWN_PLACES) {
      const artifacts = registry.ours[place];
      const label = PLACE_NAMES[place].replace(' of the attestation', '').padEnd(17);
      if (artifacts.length === 0) {
        registryRow(`${label} none of ours`);
        continue;
      }
      const valid = artifacts.filter((artifact) => artifact.valid).length;
      const validity = valid === artifacts.length ? 'valid' : `${valid} valid`;
      const age = place === 'vuln-attestation' ? attestationText(result.attestation, now) : '';
      registryRow(`${label} ${artifacts.length} of ours, ${validity}${age}`);
    }
    const others = registry.others;
    registryRow(
      `${'other signers'.padEnd(17)} ${others.length === 0 ? 'none' : `${others.length}, never judged`}`,
    );
    for (const other of others)
      more(`  ${other.where} ${printable(other.reference)} (${printable(other.type)})`);
    if (registry.unreadable.length > 0) {
      registryRow(`${'unreadable'.padEnd(17)} ${registry.unreadable.length}`);
      for (const entry of registry.unreadable) {
        more(`  ${entry.where} ${printable(entry.reference)}: ${printable(entry.reason)}`);
      }
    }
  }
  for (const note of result.notes) lines.push(`  note: ${note}`);
  lines.push('');
  if (result.disagreements.length === 0) {
    lines.push('The record and the registry agree.');
  } else {
    lines.push('Disagreements:');
    for (const line of result.disagreements) lines.push(`  - ${printable(line)}`);
  }
  return `${lines.join('\n')}\n`;
};

const attestationText = (age: AttestationAge | undefined, now: Date): string => {
  if (age?.scanFinishedOn === undefined) return age === undefined ? '' : ', names no scan time';
  const ago = formatAge(now.getTime() - Date.parse(age.scanFinishedOn));
  return `, scan finished ${age.scanFinishedOn} (${ago} ago${age.refreshDue ? ', refresh due' : ''})`;
};
