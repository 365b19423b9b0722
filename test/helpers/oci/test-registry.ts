import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { startRegistry, type RunningRegistry } from '../../../local/registry';

export interface TestRegistry extends RunningRegistry {
  /** Set when the registry requires basic auth. */
  readonly credentials?: { readonly username: string; readonly password: string };
}

/** A real CNCF Distribution on a free loopback port, anonymous or behind htpasswd basic auth. */
export const startTestRegistry = async (auth: 'anonymous' | 'basic'): Promise<TestRegistry> => {
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
  return {
    ...registry,
    ...(auth === 'basic' ? { credentials } : {}),
    stop: async () => {
      await registry.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
};
