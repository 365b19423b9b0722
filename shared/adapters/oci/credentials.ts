export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

/** Where registry credentials come from: ECR tokens, a static pair in tests, nothing for anonymous registries. */
export interface Credentials {
  forRegistry(host: string): Promise<RegistryCredentials | undefined>;
}

export const anonymous: Credentials = { forRegistry: () => Promise.resolve(undefined) };

/** The same username and password for every registry; for tests and self-hosted registries. */
export const staticCredentials = (credentials: RegistryCredentials): Credentials => ({
  forRegistry: () => Promise.resolve(credentials),
});
