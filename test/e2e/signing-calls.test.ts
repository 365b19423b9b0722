import type { Digest } from '../../shared/core/domain';
import { attestationTag } from '../../shared/core/formats/manifest/cosign-attestation';
import { markMainThreadFetch } from '../../local/registry-front';
import { startLocalStackHarness, type LocalStackHarness } from './harness';

jest.setTimeout(120_000);

/**
 * What signing costs on the path production takes (the ECR front: the referrers API, `OCI-Subject`), counted by
 * the front every function's registry call goes through and by the stand-in: the limits of issue 17 §2, as
 * behaviour. An image after a warm-up one, so the once-per-container and once-per-repository calls (ECR's token,
 * tag mutability, the shared `{}` config) are out of the count, as they are out of an image's steady cost.
 */
describe.each([
  { legacyAttestationTag: false, manifestPuts: 3 },
  // The `.att` copy is one more manifest, in a tag of its own.
  { legacyAttestationTag: true, manifestPuts: 4 },
])(
  'signing one image on the ECR path, .att copy $legacyAttestationTag',
  ({ legacyAttestationTag, manifestPuts }) => {
    let h: LocalStackHarness;

    beforeAll(async () => {
      h = await startLocalStackHarness({
        registryMode: 'ecr',
        scanDelayMs: 0,
        config: { signatures: { legacyAttestationTag } },
      });
    });
    // The test's own pushes and the stand-in's reads run on this thread and are counted apart; the functions run
    // in worker threads, so what `pipeline` counts is theirs alone.
    let unmark: () => void;
    beforeAll(() => (unmark = markMainThreadFetch()));
    afterAll(async () => {
      unmark();
      await h?.stop();
    });

    const signOne = async (repository: string, tag: string): Promise<Digest> => {
      const pushed = await h.pushImage(repository, { tag });
      await h.awaitRecord(repository, pushed.digest, (record) => (record.signatures ?? []).length === 3);
      await h.idle();
      return pushed.digest;
    };

    it(`writes ${manifestPuts} manifests, signs 3 times, and never touches a sha256-<hex> index`, async () => {
      await signOne('team/calls', 'warm-up');
      const front = h.stack.registryFront!;
      const awsBefore = h.stack.standIn.calls();
      front.resetCalls();

      const digest = await signOne('team/calls', 'measured');

      const registry = front.calls().pipeline;
      const aws = Object.fromEntries(
        Object.entries(h.stack.standIn.calls()).map(([api, n]) => [api, n - (awsBefore[api] ?? 0)]),
      );
      expect(registry['PUT manifest']).toBe(manifestPuts);
      expect(aws['kms:Sign']).toBe(3);
      // The referrers API answers every listing: the tag-schema index is neither read nor written.
      expect(Object.keys(registry).filter((route) => route.endsWith('referrers tag'))).toEqual([]);
      // One listing for both bundle formats' first look, and one each after attaching: the same event delivered twice
      // holds the same lease, so a concurrent duplicate of ours is still looked for.
      expect(registry['GET referrers']).toBe(3);
      // Bundles and `.att` layers hold a new signature: uploaded without asking first; `{}` is remembered.
      expect(registry['HEAD blob'] ?? 0).toBeLessThanOrEqual(2);
      // The `.sig` and `.att` guards read with a GET: fetch closes the connection after every HEAD.
      expect(registry['HEAD manifest'] ?? 0).toBe(0);
      const att = await fetch(`${h.stack.registry.url}/v2/team/calls/manifests/${attestationTag(digest)}`, {
        method: 'HEAD',
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      expect(att.status).toBe(legacyAttestationTag ? 200 : 404);
    });
  },
);
