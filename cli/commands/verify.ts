import { oneImage, parseCommandArgs } from '../args';
import {
  defaultGateDeps,
  InvalidDurationError,
  InvalidImageReferenceError,
  pinnedKeySource,
  verifyImage,
  type GateDeps,
  type GateResult,
} from '../../shared/adapters/gate';
import type { PublicKeySource } from '../../shared/app/verify';
import { EXIT, UsageError, type CliIo, type Command } from '../command';

export const DEFAULT_KEY = 'awskms:///alias/tollgate-signing';

const USAGE = `Usage: tollgate verify IMAGE [--key awskms:///ALIAS-OR-ARN [--key-id KEY-ID] | --key FILE.pem ...] [--require-attestation] [--max-age 7d] [--timeout 60s] [--json]

Checks that IMAGE carries a valid Tollgate signature, for a deployment pipeline. A tag is resolved to its
digest once; every check then runs on that digest, which is printed so the deployment can pin it.

  IMAGE                  registry/repository:tag or registry/repository@sha256:<hex>
  --key KEY              awskms:///alias/NAME, awskms:///arn:aws:kms:... (GetPublicKey with your AWS
                         credentials; AWS_ENDPOINT_URL_KMS is honoured) or a PEM public key file
                         (default: ${DEFAULT_KEY}). Repeat it to trust several keys, any of
                         which may have signed (a key migration: docs/organization.md); each must
                         then be a PEM file or a key ARN, which pins itself
  --key-id KEY-ID        the key ID or key ARN an awskms:// alias must resolve to: required with an alias
                         (the default included), which could be pointed at another key; refused when
                         the alias resolves elsewhere. It is the stack output SigningKeyArn.
  --require-attestation  also demand a vulnerability attestation whose verdict is APPROVED and whose
                         scan finished within --max-age
  --max-age DURATION     e.g. 7d, 36h, 1d12h (default: 7d; only with --require-attestation)
  --timeout DURATION     one deadline for every registry request of the check, e.g. 30s, 2m (default:
                         60s); a registry that has not answered by then is an error naming the URL
  --json                 print {"image","digest","verified","signatures","attestation","failures"}

Registry access: ECR hosts with GetAuthorizationToken, other registries with ~/.docker/config.json
(or $DOCKER_CONFIG) auths or anonymously; loopback registries over plain HTTP.

Exit status: 0 verified, 1 not verified (one line per failed check on stderr), 2 error (registry
unreachable, bad key, bad argument).`;

interface VerifyOptions {
  readonly image: string;
  readonly keys: readonly string[];
  readonly keyId?: string;
  readonly requireAttestation: boolean;
  readonly maxAge?: string;
  readonly timeout?: string;
  readonly json: boolean;
}

/** `deps` is called once per run; tests pass in-memory registries and keys. */
export const createVerifyCommand = (deps: () => GateDeps = defaultGateDeps): Command => ({
  name: 'verify',
  summary: 'check an image carries a valid Tollgate signature (pipeline gate)',
  usage: USAGE,
  run: (argv, io) => run(argv, io, deps),
});

export const verifyCommand = createVerifyCommand();

const run = async (argv: readonly string[], io: CliIo, deps: () => GateDeps): Promise<number> => {
  const options = parseOptions(argv);
  const gateDeps = deps();
  // verifyImage reads the key after checking IMAGE and --max-age and before asking the registry anything, so an
  // argument error is reported first, and an alias without --key-id (or one resolving to another key) is refused
  // (exit 2) without a registry request.
  const keys = options.keys.map((key): PublicKeySource => ({
    publicKey: async () => pinnedKeySource(key, options.keyId, gateDeps.publicKey).publicKey(),
  }));
  let result: GateResult;
  try {
    result = await verifyImage(
      {
        image: options.image,
        key: keys,
        requireAttestation: options.requireAttestation,
        ...(options.maxAge === undefined ? {} : { maxAge: options.maxAge }),
        ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
      },
      gateDeps,
    );
  } catch (error) {
    // A malformed argument gets the usage; anything else (registry, key, credentials) is reported as it is.
    if (error instanceof InvalidImageReferenceError || error instanceof InvalidDurationError) {
      throw new UsageError(error.message);
    }
    throw error;
  }
  io.stdout(options.json ? `${JSON.stringify(toJson(result), null, 2)}\n` : toText(result));
  for (const failure of result.failures) io.stderr(`tollgate verify: ${failure}\n`);
  return result.verified ? EXIT.OK : EXIT.NEGATIVE;
};

const parseOptions = (argv: readonly string[]): VerifyOptions => {
  const parsed = parseCommandArgs(
    argv,
    {
      key: { type: 'string', multiple: true },
      'key-id': { type: 'string' },
      'require-attestation': { type: 'boolean', default: false },
      'max-age': { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    true,
  );
  const { values, positionals } = parsed;
  const image = oneImage(positionals);
  if (values['max-age'] !== undefined && !values['require-attestation']) {
    // Silently ignoring it would let a pipeline believe it checks scan freshness when it does not.
    throw new UsageError('--max-age applies to the attestation: add --require-attestation');
  }
  const keys = values.key ?? [DEFAULT_KEY];
  if (keys.length > 1 && values['key-id'] !== undefined) {
    // One --key-id for several keys would pin them all to one key: refused rather than guessed.
    throw new UsageError('--key-id pins one alias: with several --key, give PEM files or key ARNs');
  }
  return {
    image,
    keys,
    ...(values['key-id'] === undefined ? {} : { keyId: values['key-id'] }),
    requireAttestation: values['require-attestation'],
    ...(values['max-age'] === undefined ? {} : { maxAge: values['max-age'] }),
    ...(values.timeout === undefined ? {} : { timeout: values.timeout }),
    json: values.json,
  };
};

const toJson = (result: GateResult): Record<string, unknown> => ({
  image: result.image,
  digest: result.digest,
  verified: result.verified,
  signatures: result.signatures,
  attestation: result.attestation,
  failures: result.failures,
});

const toText = (result: GateResult): string => {
  const pinned =
    result.digest === null
      ? result.image
      : `${result.image.replace(/@sha256:[0-9a-f]{64}$/, '')}@${result.digest}`;
  const lines = [`${result.verified ? 'VERIFIED' : 'NOT VERIFIED'}  ${pinned}`];
  if (result.digest !== null) lines.push(`  digest ${result.digest}`);
  if (result.signatures.length > 0) {
    lines.push('  signatures:');
    for (const signature of result.signatures) {
      const verdict = signature.valid ? 'valid  ' : 'invalid';
      const code = signature.code === undefined ? '' : `${signature.code}: `;
      lines.push(`    ${verdict}  ${signature.format.padEnd(15)}  ${code}${signature.reason}`);
      if (signature.reference !== undefined)
        lines.push(`             ${' '.repeat(15)}  at ${signature.reference}`);
    }
  }
  const attestation = result.attestation;
  const requirement = attestation.required ? `required, max age ${attestation.maxAge}` : 'not required';
  lines.push(`  attestation (${requirement}): ${attestation.status}: ${attestation.reason}`);
  return `${lines.join('\n')}\n`;
};
