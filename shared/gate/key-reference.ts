import { PublicKeyError } from './errors';

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
    }
  | { readonly kind: 'file'; readonly path: string };

const KMS_SCHEME = 'awskms://';
const UUID = '(?:mrk-)?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}';
const ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:(?:key\/|alias\/)\S+$/;
const KEY_ID = new RegExp(`^(?:alias/[a-zA-Z0-9/_-]+|${UUID})$`);
const OTHER_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

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
