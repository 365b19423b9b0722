import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { startRegistry, type RunningRegistry } from '../../../local/registry';
import {
  startRegistryFront,
  type RegistryFront,
  type RegistryFrontOptions,
  type RegistryMode,
} from '../../../local/registry-front';

export interface TestRegistryOptions {
  /**
   * `ecr`: the registry front (local/registry-front) before Distribution, serving the referrers API and
   * `OCI-Subject` with ECR's refusals. Integration tests name the mode they test, so the default stays the
   * plain registry, whose missing referrers API is what the tag-schema fallback is tested against.
   * @default 'distribution'
   */
  readonly mode?: RegistryMode;
  /** More options for the front in `ecr` mode (quirks turned off, faults, tag immutability). */
  readonly front?: Omit<RegistryFrontOptions, 'target' | 'referrers'> & {
    readonly quirks?: NonNullable<RegistryFrontOptions['referrers']>['quirks'];
  };
}

export interface TestRegistry extends RunningRegistry {
  /** Set when the registry requires basic auth. */
  readonly credentials?: { readonly username: string; readonly password: string };
  /** In `ecr` mode, the front `host` and `url` name; the registry behind it is `storage`. */
  readonly front?: RegistryFront;
  /** In `ecr` mode, where the front journals the referrers it learnt. */
  readonly journalFile?: string;
  /** The Distribution registry itself. */
  readonly storage: { readonly host: string; readonly url: string };
}

/** A real CNCF Distribution on a free loopback port, anonymous or behind htpasswd basic auth, or the ECR front before it. */
export const startTestRegistry = async (
  auth: 'anonymous' | 'basic',
  options: TestRegistryOptions = {},
): Promise<TestRegistry> => {
  const stateDir = mkdtempSync(join(tmpdir(), 'tollgate-registry-'));
  const credentials = { username: 'tollgate', password: 'correct horse battery staple' };
  let htpasswdFile: string | undefined;
  if (auth === 'basic') {
    htpasswdFile = join(stateDir, 'htpasswd');
    writeFileSync(htpasswdFile, `${credentials.username}:${bcrypt.hashSync(credentials.password, 8)}\n`);
  }
  const registry = await startRegistry(
    htpasswdFile === undefined ? { stateDir } : { stateDir, htpasswdFile },
  );
  const { quirks, ...frontOptions } = options.front ?? {};
  const journalFile = join(stateDir, 'referrers.jsonl');
  const front =
    options.mode === 'ecr'
      ? await startRegistryFront({
          ...frontOptions,
          target: registry.url,
          referrers: {
            journalFile,
            ...(auth === 'basic' ? { credentials } : {}),
            ...(quirks === undefined ? {} : { quirks }),
          },
        })
      : undefined;
  return {
    host: front?.host ?? registry.host,
    url: front?.url ?? registry.url,
    storage: { host: registry.host, url: registry.url },
    pid: registry.pid,
    ...(front === undefined ? {} : { front, journalFile }),
    ...(auth === 'basic' ? { credentials } : {}),
    stop: async () => {
      await front?.stop();
      await registry.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
};
