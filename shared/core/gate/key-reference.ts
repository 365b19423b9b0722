import { KeyPinMismatchError, PublicKeyError, UnpinnedKeyError } from './errors';

/** Where the trusted public key comes from, as `--key` names it. */
export type KeyReference =
  | {
      readonly kind: 'kms';
      /** A key id, key ARN, alias name (`alias/…`) or alias ARN, as KMS GetPublicKey takes it. */
      readonly keyId: string;
      /** cosign's optional endpoint, `awskms://HOST[:PORT]/…`. @default the SDK's (AWS_ENDPOINT_URL_KMS honoured) */
      readonly endpoint?: string;
      /** The region a key or alias ARN names. @default the SDK's (AWS_REGION, profile) */
      readonly region?: string;
      /**
       * The key (key ID or key ARN) the reference must resolve to; `pinKeyReference` sets it. The public key is
       * trusted only if KMS's GetPublicKey names this key.
       */
      readonly pinnedKeyId?: string;
    }
  | { readonly kind: 'file'; readonly path: string };

const KMS_SCHEME = 'awskms://';
const UUID = '(?:mrk-)?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}';
const ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:(?:key\/|alias\/)\S+$/;
const KEY_ID = new RegExp(`^(?:alias/[a-zA-Z0-9/_-]+|${UUID})$`);
const OTHER_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const BARE_KEY_ID = new RegExp(`^${UUID}$`);
const KEY_ARN = new RegExp(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:key/(${UUID})$`);

/**
 * Reads `--key`: an `awskms://` URI in cosign's syntax (`awskms:///alias/tollgate-signing`,
 * `awskms:///arn:aws:kms:…`, or `awskms://ENDPOINT/…`), else a path to a PEM file. The two-slash form
 * `awskms://alias/NAME` is accepted as well: cosign would read `alias` as an endpoint host and reject the rest, so
 * it can only mean the alias.
 * @throws PublicKeyError for a malformed URI or a key scheme Tollgate does not read
 */
export const parseKeyReference = (text: string): KeyReference => {
  if (text.startsWith(KMS_SCHEME)) return parseKmsUri(text);
  if (OTHER_SCHEME.test(text)) {
    throw new PublicKeyError(
      `--key ${text}: only awskms:// URIs and PEM files are supported; export other keys with \`cosign public-key\``,
    );
  }
  if (text === '') throw new PublicKeyError('--key is empty');
  return { kind: 'file', path: text };
};

const parseKmsUri = (uri: string): KeyReference => {
  const rest = uri.slice(KMS_SCHEME.length);
  const slash = rest.indexOf('/');
  if (slash === -1) throw malformed(uri);
  const host = rest.slice(0, slash);
  const forgiving = host === 'alias' || host.startsWith('arn:');
  const keyId = host === '' ? rest.slice(1) : forgiving ? rest : rest.slice(slash + 1);
  const endpoint = host === '' || forgiving ? undefined : host;
  const region = ARN.exec(keyId)?.[1];
  if (!KEY_ID.test(keyId) && region === undefined) throw malformed(uri);
  return {
    kind: 'kms',
    keyId,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(region === undefined ? {} : { region }),
  };
};

const malformed = (uri: string): PublicKeyError =>
  new PublicKeyError(
    `--key ${uri}: expected awskms:///alias/NAME, awskms:///KEY-ID or awskms:///arn:aws:kms:REGION:ACCOUNT:key/KEY-ID`,
  );

type KmsReference = Extract<KeyReference, { kind: 'kms' }>;

/** An alias name or alias ARN: it names whatever key it points at when it is read. */
export const namesAlias = (reference: KmsReference): boolean =>
  reference.keyId.startsWith('alias/') || /^arn:[^:]+:kms:[^:]*:\d*:alias\//.test(reference.keyId);

/** The key ID a key ID or key ARN names (lower case: KMS key IDs are), else undefined. */
export const keyIdOf = (keyIdOrArn: string): string | undefined => {
  if (BARE_KEY_ID.test(keyIdOrArn)) return keyIdOrArn.toLowerCase();
  return KEY_ARN.exec(keyIdOrArn)?.[1]?.toLowerCase();
};

/**
 * Do two key IDs or key ARNs name the same key? Two ARNs must be equal (account and region included); otherwise the
 * key IDs must be, which is enough: KMS generates them, nobody can choose one.
 */
export const sameKey = (a: string, b: string): boolean => {
  if (KEY_ARN.test(a) && KEY_ARN.test(b)) return a === b;
  const id = keyIdOf(a);
  return id !== undefined && id === keyIdOf(b);
};

/**
 * Pins `reference` to a key, for the gates: an `awskms://` alias must come with `keyId` (--key-id), a key ID or key
 * ARN, which the alias must then resolve to; a key ID or key ARN is pinned to itself, and a `keyId` given with it
 * must name the same key. A PEM file is its own pin and takes no `keyId`.
 * @throws UnpinnedKeyError for an alias without `keyId`
 * @throws KeyPinMismatchError when `keyId` and a key reference name two different keys
 * @throws PublicKeyError for a `keyId` that is not a key ID or key ARN (an alias there would pin nothing), or one
 *   given with a PEM file
 */
export const pinKeyReference = (
  reference: KeyReference,
  keyId: string | undefined,
  keyText: string = formatKeyReference(reference),
): KeyReference => {
  if (reference.kind === 'file') {
    if (keyId === undefined) return reference;
    throw new PublicKeyError(
      `--key-id ${keyId}: it pins an awskms:// key; ${reference.path} is a PEM file, which is pinned by its content`,
    );
  }
  if (keyId !== undefined && keyIdOf(keyId) === undefined) {
    throw new PublicKeyError(
      `--key-id ${keyId}: expected a key ID (1234abcd-12ab-34cd-56ef-1234567890ab) or key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID), not an alias: the alias is what it pins`,
    );
  }
  if (namesAlias(reference)) {
    if (keyId === undefined) throw new UnpinnedKeyError(keyText);
    return { ...reference, pinnedKeyId: keyId };
  }
  if (keyId === undefined) return { ...reference, pinnedKeyId: reference.keyId };
  if (!sameKey(keyId, reference.keyId)) throw new KeyPinMismatchError(keyText, keyId, reference.keyId);
  // The more precise of the two: an ARN pins the account and region as well.
  return { ...reference, pinnedKeyId: KEY_ARN.test(keyId) ? keyId : reference.keyId };
};

/** `reference` as `--key` would spell it, for messages. */
export const formatKeyReference = (reference: KeyReference): string =>
  reference.kind === 'file' ? reference.path : `${KMS_SCHEME}${reference.endpoint ?? ''}/${reference.keyId}`;
