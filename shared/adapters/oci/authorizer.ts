import { parseChallenge, type AuthChallenge } from './challenge';
import type { Credentials, RegistryCredentials } from './credentials';
import { RegistryIntegrityError, RegistryRequestError } from '../../core/oci/errors';
import { MAX_TOKEN_BYTES } from '../../core/oci/limits';
import { readBody, send, statusError, type FetchLike } from './transport';

/**
 * Answers a registry's 401 challenge and remembers the answer. Basic auth (ECR's `AWS:<token>`, htpasswd) is
 * registry-wide; bearer tokens are per scope, so a token for one repository is never sent for another.
 */
export class Authorizer {
  #basic: string | undefined;
  readonly #bearer = new Map<string, string>();

  public constructor(
    private readonly host: string,
    private readonly credentials: Credentials,
    private readonly fetchImpl: FetchLike,
    private readonly timeoutMs: number,
  ) {}

  /** The Authorization header already known for `scope`, if any. */
  public header(scope: string): string | undefined {
    return this.#bearer.get(scope) ?? this.#basic;
  }

  /** Learns how to authenticate from a 401. Returns false when nothing more can be tried. */
  public async answer(challengeHeader: string | null, scope: string): Promise<boolean> {
    const challenge = parseChallenge(challengeHeader);
    if (challenge === undefined) return false;
    const credentials = await this.credentials.forRegistry(this.host);
    if (challenge.scheme === 'basic') {
      if (credentials === undefined) return false;
      const header = `Basic ${basic(credentials)}`;
      if (header === this.#basic) return false;
      this.#basic = header;
      return true;
    }
    const token = await this.token(challenge, credentials, scope);
    const header = `Bearer ${token}`;
    if (this.#bearer.get(scope) === header) return false;
    this.#bearer.set(scope, header);
    return true;
  }

  private async token(
    challenge: Extract<AuthChallenge, { scheme: 'bearer' }>,
    credentials: RegistryCredentials | undefined,
    scope: string,
  ): Promise<string> {
    const url = new URL(challenge.realm);
    if (challenge.service !== undefined) url.searchParams.set('service', challenge.service);
    url.searchParams.set('scope', challenge.scope ?? scope);
    const exchange = {
      method: 'GET',
      url: url.href,
      headers: credentials === undefined ? {} : { Authorization: `Basic ${basic(credentials)}` },
    };
    const response = await send(this.fetchImpl, exchange, this.timeoutMs);
    if (!response.ok) throw await statusError(exchange, response);
    // The token endpoint is named by the registry's challenge, so it is as untrusted as the registry: bounded too.
    const bytes = await readBody(
      exchange,
      response,
      { maxBytes: MAX_TOKEN_BYTES, what: 'tokens' },
      this.timeoutMs,
    );
    let body: { token?: unknown; access_token?: unknown };
    try {
      body = (JSON.parse(bytes.toString('utf8')) as typeof body | null) ?? {};
    } catch (error) {
      throw new RegistryIntegrityError(`token endpoint ${url.origin} answered with a body that is not JSON`, {
        cause: error,
      });
    }
    const token = body.token ?? body.access_token;
    if (typeof token !== 'string' || token === '') {
      throw new RegistryRequestError(`token endpoint ${url.origin} returned no token`, response.status);
    }
    return token;
  }
}

const basic = ({ username, password }: RegistryCredentials): string =>
  Buffer.from(`${username}:${password}`).toString('base64');
