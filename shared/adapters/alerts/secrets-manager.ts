import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretSource } from '../../app/alerts/delivery';
import { classifySdkError } from '../aws/sdk-error';

export interface SecretsManagerSourceProps {
  readonly client: SecretsManagerClient;
  /** How long a value is reused, so a rotated token is picked up without a cold start. @default 5 minutes */
  readonly ttlMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * Receivers' tokens from Secrets Manager (GetSecretValue, the current version's SecretString), cached per
 * container for a few minutes: one call per channel and container, not one per alert. A failure is
 * classified as every SDK failure is (throttling retryable; a missing secret or a denied read terminal, INVALID_CONFIG) and thrown.
 */
export class SecretsManagerSource implements SecretSource {
  readonly #cache = new Map<string, { readonly value: string; readonly until: number }>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  public constructor(private readonly props: SecretsManagerSourceProps) {
    this.#ttlMs = props.ttlMs ?? 5 * 60 * 1000;
    this.#now = props.now ?? Date.now;
  }

  public async secret(name: string): Promise<string> {
    const cached = this.#cache.get(name);
    if (cached !== undefined && cached.until > this.#now()) return cached.value;
    let value: string | undefined;
    try {
      ({ SecretString: value } = await this.props.client.send(new GetSecretValueCommand({ SecretId: name })));
    } catch (error) {
      throw classifySdkError(error, `GetSecretValue ${name}: ${(error as Error).message}`, 'INVALID_CONFIG');
    }
    if (value === undefined || value.trim() === '') {
      throw new Error(`secret ${name} has no string value (a binary secret cannot hold a token here)`);
    }
    this.#cache.set(name, { value, until: this.#now() + this.#ttlMs });
    return value;
  }
}
