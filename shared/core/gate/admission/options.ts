import { TerminalError } from '../../domain';

export type AdmissionMode = 'enforce' | 'audit';

export interface AdmissionOptions {
  /**
   * The trusted public key, SPKI PEM (from the key file, or KMS GetPublicKey for an `awskms://` key). Every engine
   * but gatekeeper (which checks no signature) needs it. Several: an image any one of them signed is admitted (a key
   * migration, when the gates trust the retired key and the new one: docs/organization.md).
   * @default none
   */
  readonly publicKeyPem?: string | readonly string[];
  /** The registry host the policy covers, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com`. */
  readonly registry: string;
  /**
   * Tollgate repository globs (`*` matches any characters, `/` included), as in tollgate.config.yaml.
   * @default ['*'] every repository of the registry
   */
  readonly repositories?: readonly string[];
  /** `enforce` denies unsigned images; `audit` admits them and reports. @default 'enforce' */
  readonly mode?: AdmissionMode;
  /** `metadata.name` of the generated resource. @default 'tollgate-signed-images' */
  readonly name?: string;
  /**
   * Also demand Tollgate's vulnerability attestation with an APPROVED verdict, no older than `maxAgeMs` where
   * the engine can express it. Kyverno only: the other engines cannot read a v0.3 bundle attestation with a key.
   * @default none
   */
  readonly attestation?: { readonly maxAgeMs: number };
  /** How the user named the key (`awskms:///alias/…`, a file), recorded in the header comment. @default none */
  readonly keySource?: string;
}

/** Options with defaults applied and inputs checked: what every generator works from. */
export interface ResolvedAdmissionOptions extends Required<
  Omit<AdmissionOptions, 'attestation' | 'keySource' | 'publicKeyPem'>
> {
  /** The trusted keys, in the order given, each ending in a newline; empty for gatekeeper. */
  readonly publicKeyPems: readonly string[];
  readonly attestation?: { readonly maxAgeMs: number };
  readonly keySource?: string;
}

/** A `tollgate policy` input that would produce a policy the engine rejects, or one that means something else. */
export class AdmissionInputError extends TerminalError {
  public constructor(message: string) {
    super('INVALID_CONFIG', message);
  }
}

const HOST =
  /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\d{1,5})?$/;
// Repository names are lower-case path components; `*` is the one wildcard Tollgate globs have.
const REPOSITORY_GLOB = /^[a-z0-9*](?:[a-z0-9._/*-]*[a-z0-9*])?$/;
const NAME = /^[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?$/;

export const resolveAdmissionOptions = (options: AdmissionOptions): ResolvedAdmissionOptions => {
  if (!HOST.test(options.registry)) {
    throw new AdmissionInputError(
      `--registry ${JSON.stringify(options.registry)}: expected a registry host such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com`,
    );
  }
  const repositories = options.repositories?.length ? [...options.repositories] : ['*'];
  for (const glob of repositories) {
    if (!REPOSITORY_GLOB.test(glob) || glob.includes('//')) {
      throw new AdmissionInputError(
        `--repositories ${JSON.stringify(glob)}: expected a repository name or glob such as payments/* (lower-case, / separated, * as wildcard)`,
      );
    }
  }
  const name = options.name ?? 'tollgate-signed-images';
  if (!NAME.test(name))
    throw new AdmissionInputError(`--name ${JSON.stringify(name)} is not a Kubernetes name`);
  const given = options.publicKeyPem;
  const pems = (given === undefined ? [] : typeof given === 'string' ? [given] : [...given]).filter(
    (pem) => pem !== '',
  );
  return {
    publicKeyPems: pems.map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`)),
    registry: options.registry,
    repositories,
    mode: options.mode ?? 'enforce',
    name,
    ...(options.attestation === undefined ? {} : { attestation: options.attestation }),
    ...(options.keySource === undefined ? {} : { keySource: options.keySource }),
  };
};
