import { parseCommandArgs } from '../args';
import {
  AdmissionInputError,
  checkPublicPem,
  defaultGateDeps,
  generateAdmissionPolicy,
  InvalidDurationError,
  parseDuration,
  pinnedKeySource,
  type AdmissionEngine,
  type AdmissionMode,
  type GateDeps,
} from '../../shared/adapters/gate';
import { EXIT, UsageError, type CliIo, type Command } from '../command';

const ENGINES = ['kyverno', 'policy-controller', 'connaisseur', 'gatekeeper'] as const;
type Engine = (typeof ENGINES)[number];

const USAGE = `Usage: tollgate policy ENGINE --key FILE.pem|awskms://... --registry HOST [--repositories GLOB...]
                       [--mode enforce|audit] [--kyverno-api images] [--require-attestation [--max-age 7d]]
                       [--name NAME]

Prints an admission policy (YAML) that admits only images carrying a Tollgate signature.

  ENGINE                 kyverno (ClusterPolicy, Kyverno 1.13+), policy-controller (ClusterImagePolicy,
                         0.4+), connaisseur (Helm values, 3.6+), gatekeeper (K8sAllowedRepos constraint:
                         allows only the covered registry and repositories, checks no signature)
  --key KEY              the public key: a PEM file, or awskms:///alias/NAME (GetPublicKey with your
                         AWS credentials; the PEM is embedded). Not needed for gatekeeper. Repeat it
                         to admit an image any one of several keys signed (a key migration:
                         docs/organization.md); each must then be a PEM file or a key ARN
  --key-id KEY-ID        the key ID or key ARN an awskms:// alias must resolve to (stack output
                         SigningKeyArn): required with an alias, refused when it resolves elsewhere
  --registry HOST        the registry the policy covers, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com
  --repositories GLOB... repository globs as in tollgate.config.yaml (* matches /); repeat the flag,
                         separate with commas, or list several after it (default: * = every repository)
  --mode MODE            enforce (deny, the default) or audit (admit and report)
  --kyverno-api API      kyverno only: images (the default) emits the CEL ImageValidatingPolicy
                         (policies.kyverno.io/v1, Kyverno 1.17+; 1.19+ with --require-attestation);
                         cluster-policy the ClusterPolicy (kyverno.io/v1), deprecated since Kyverno 1.17
  --require-attestation  kyverno and policy-controller: also demand the APPROVED vulnerability attestation
  --max-age DURATION     its maximum scan age (scanFinishedOn), e.g. 7d (default: 7d)
  --name NAME            metadata.name (default: tollgate-signed-images)

Exit status: 0 printed, 2 error (bad argument, unreadable key).`;

interface PolicyOptions {
  readonly engine: AdmissionEngine;
  readonly keys: readonly string[];
  readonly keyId?: string;
  readonly registry: string;
  readonly repositories: readonly string[];
  readonly mode: AdmissionMode;
  readonly attestation?: { readonly maxAgeMs: number };
  readonly name?: string;
}

export const createPolicyCommand = (deps: () => Pick<GateDeps, 'publicKey'> = defaultGateDeps): Command => ({
  name: 'policy',
  summary: 'print a Kubernetes admission policy that requires Tollgate signatures',
  usage: USAGE,
  run: (argv, io) => run(argv, io, deps),
});

export const policyCommand = createPolicyCommand();

const run = async (
  argv: readonly string[],
  io: CliIo,
  deps: () => Pick<GateDeps, 'publicKey'>,
): Promise<number> => {
  const options = parseOptions(argv);
  const publicKeyPem = await Promise.all(options.keys.map((key) => readPem(key, options.keyId, deps())));
  let yaml: string;
  try {
    yaml = generateAdmissionPolicy(options.engine, {
      registry: options.registry,
      repositories: options.repositories,
      mode: options.mode,
      ...(publicKeyPem.length === 0 ? {} : { publicKeyPem }),
      ...(options.keys.length === 0 ? {} : { keySource: options.keys.join(' or ') }),
      ...(options.attestation === undefined ? {} : { attestation: options.attestation }),
      ...(options.name === undefined ? {} : { name: options.name }),
    });
  } catch (error) {
    if (error instanceof AdmissionInputError) throw new UsageError(error.message);
    throw error;
  }
  io.stdout(yaml);
  return EXIT.OK;
};

/** The PEM to embed: an awskms:// alias only pinned (--key-id), as tollgate verify takes it. */
const readPem = async (
  key: string,
  keyId: string | undefined,
  deps: Pick<GateDeps, 'publicKey'>,
): Promise<string> => {
  const { pem } = await pinnedKeySource(key, keyId, deps.publicKey).publicKey();
  return checkPublicPem(pem, key);
};

const parseOptions = (argv: readonly string[]): PolicyOptions => {
  const parsed = parseCommandArgs(
    argv,
    {
      key: { type: 'string', multiple: true },
      'key-id': { type: 'string' },
      registry: { type: 'string' },
      repositories: { type: 'string', multiple: true },
      mode: { type: 'string', default: 'enforce' },
      'kyverno-api': { type: 'string' },
      'require-attestation': { type: 'boolean', default: false },
      'max-age': { type: 'string' },
      name: { type: 'string' },
    },
    true,
  );
  const { values, positionals } = parsed;
  const [engineName, ...extra] = positionals;
  if (engineName === undefined) throw new UsageError(`ENGINE is required: one of ${ENGINES.join(', ')}`);
  if (!(ENGINES as readonly string[]).includes(engineName)) {
    throw new UsageError(`unknown ENGINE ${JSON.stringify(engineName)}: one of ${ENGINES.join(', ')}`);
  }
  const engine = engineName as Engine;
  // `--repositories a b c`: the globs after the first arrive as positionals.
  if (extra.length > 0 && values.repositories === undefined) {
    throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  }
  const repositories = [...(values.repositories ?? []), ...extra]
    .flatMap((value) => value.split(','))
    .map((glob) => glob.trim())
    .filter((glob) => glob !== '');
  if (values.registry === undefined) throw new UsageError('--registry HOST is required');
  if (values.key === undefined && engine !== 'gatekeeper') {
    throw new UsageError(`--key is required: ${engine} checks signatures against it`);
  }
  if (values['key-id'] !== undefined && values.key === undefined) {
    throw new UsageError('--key-id pins the --key alias: give --key too');
  }
  if (values['key-id'] !== undefined && (values.key?.length ?? 0) > 1) {
    throw new UsageError('--key-id pins one alias: with several --key, give PEM files or key ARNs');
  }
  if (values.mode !== 'enforce' && values.mode !== 'audit') {
    throw new UsageError(`--mode must be enforce or audit, not ${JSON.stringify(values.mode)}`);
  }
  const api = values['kyverno-api'];
  if (api !== undefined && api !== 'images' && api !== 'cluster-policy') {
    throw new UsageError(`--kyverno-api must be images or cluster-policy, not ${JSON.stringify(api)}`);
  }
  if (api !== undefined && engine !== 'kyverno')
    throw new UsageError('--kyverno-api applies to kyverno only');
  if (values['max-age'] !== undefined && !values['require-attestation']) {
    throw new UsageError('--max-age applies to the attestation: add --require-attestation');
  }
  let maxAgeMs: number | undefined;
  try {
    maxAgeMs = values['require-attestation'] ? parseDuration(values['max-age'] ?? '7d') : undefined;
  } catch (error) {
    if (error instanceof InvalidDurationError) throw new UsageError(`--max-age: ${error.message}`);
    throw error;
  }
  return {
    // Kyverno deprecated ClusterPolicy in 1.17 and plans to remove it in 1.20: the CEL policy is the default.
    engine: engine === 'kyverno' && api !== 'cluster-policy' ? 'kyverno-images' : engine,
    keys: values.key ?? [],
    ...(values['key-id'] === undefined ? {} : { keyId: values['key-id'] }),
    registry: values.registry,
    repositories,
    mode: values.mode,
    ...(maxAgeMs === undefined ? {} : { attestation: { maxAgeMs } }),
    ...(values.name === undefined ? {} : { name: values.name }),
  };
};
