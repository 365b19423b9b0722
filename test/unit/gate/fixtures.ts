import { randomUUID } from 'node:crypto';
import { KmsSigner } from '../../../shared/adapters/aws/kms';
import type { Digest, ImageRef } from '../../../shared/core/domain';
import { signImage } from '../../../shared/app/signing';
import type { SignatureFormat } from '../../../shared/app/verify';
import {
  approvedVerdict,
  localKms,
  MemoryReferrers,
  type LocalKms,
  type MemoryRegistry,
} from '../../doubles';

/** Pushes a small image (config + one layer, unlike any other) by digest, and under `tag` when given. */
export const pushImage = async (
  registry: MemoryRegistry,
  repository: string,
  tag?: string,
): Promise<Digest> => (await registry.pushImage(repository, randomUUID(), tag)).digest;

/** Signs for real (a local P-256 key behind the KMS mock) in the memory registry. */
export const signInMemory = async (
  registry: MemoryRegistry,
  image: ImageRef,
  options: {
    readonly kms?: LocalKms;
    readonly formats?: readonly SignatureFormat[];
    readonly scanFinishedOn?: string;
  } = {},
): Promise<LocalKms> => {
  const kms = options.kms ?? localKms();
  const signer = new KmsSigner(kms.client, 'alias/tollgate-signing');
  await signImage(
    {
      signer,
      publicKey: signer,
      registry,
      referrers: new MemoryReferrers(registry),
      backoff: () => Promise.resolve(),
    },
    image,
    approvedVerdict(image, options.scanFinishedOn ?? '2030-01-01T00:00:00.000Z'),
    options.formats,
  );
  return kms;
};

// The integration tests of the gate import the verdict they sign from here.
export { approvedVerdict } from '../../doubles';
