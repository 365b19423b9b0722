import type { Digest } from '../../core/domain/digest';
import type { RepositoryMutability } from '../push/immutability';
import type { RegistryScanning } from '../push/scan-coverage';

export interface StoredManifest {
  readonly mediaType?: string;
  /** The manifest exactly as the registry stores it. */
  readonly manifest: string;
}

export type StartScanResult =
  | { readonly kind: 'started' }
  /** ECR allows one manual scan per image per 24 hours; `status` is the scan already on record. */
  | { readonly kind: 'limit-exceeded'; readonly status?: string };

/** The ECR control-plane calls the pipeline makes. Small on purpose: each one is granted in IAM. */
export interface EcrControl {
  /** @throws UnknownRepositoryError */
  repositoryMutability(repository: string): Promise<RepositoryMutability>;
  putRepositoryMutability(repository: string, target: RepositoryMutability): Promise<void>;
  /** Cached per container: the registry's scanning configuration changes rarely and is read on every push. */
  scanningConfiguration(): Promise<RegistryScanning>;
  startImageScan(repository: string, digest: Digest): Promise<StartScanResult>;
  /** BatchGetImage by digest; undefined when the image is gone. */
  manifest(repository: string, digest: Digest): Promise<StoredManifest | undefined>;
  /** Removes only this tag (BatchDeleteImage by tag); the digest and its other tags stay. */
  untag(repository: string, tag: string): Promise<void>;
}
