import { mkdtempSync, rmSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedEvent } from '../../local/aws';
import type { Digest, ImageRef } from '../../shared/core/domain';
import { IMAGE_VERDICT, TOLLGATE_SOURCE } from '../../shared/core/events';
import { COSIGN_VULN_PREDICATE } from '../../shared/core/formats/payload/statement';
import { verifyImage } from '../../shared/app/gate/verify-image';
import { signImage } from '../../shared/app/signing';
import { bundleSignedBy } from '../../shared/app/signing/ours';
import { pemPublicKey } from '../../shared/app/verify';
import { readLegacyAttestations } from '../../shared/app/verify/read-attestations';
import { readBundleReferrers } from '../../shared/app/verify/read-signatures';
import { envelopeSignedBy } from '../../shared/core/verify/attestation-envelope';
import { RegistryReferrerAttacher } from '../../shared/adapters/oci';
import { startRegistry, type RunningRegistry } from '../../local/registry';
import { approvedVerdict } from '../doubles';
import { localKms } from '../helpers/oci';
import { loadSampleEvent } from '../helpers/shared-data';
import { startLocalStackHarness, type LocalStackHarness } from './harness';

jest.setTimeout(300_000);

/**
 * The sweep on the local stack (docs/reconcile.md): the production reconcile function, invoked as its schedule
 * would, over the real registry, dynalite and the stand-in. Each case starts from what the event path alone
 * leaves wrong, and reads back from the registry what the sweep made of it.
 */

const FINDING = {
  name: 'CVE-2026-0001',
  severity: 'HIGH' as const,
  package: 'openssl',
  version: '3.0.0',
  fixedIn: '3.0.1',
  cvss: 7.5,
};

const LAX = 'defaults:\n  severityLimits: { CRITICAL: 0, HIGH: 5 }\n';
const STRICT = 'defaults:\n  severityLimits: { CRITICAL: 0, HIGH: 0 }\n';

const verdictEvents = (h: LocalStackHarness, digest: string): RecordedEvent[] =>
  h.stack.standIn
    .events()
    .filter(
      ({ event }) =>
        event.source === TOLLGATE_SOURCE &&
        event['detail-type'] === IMAGE_VERDICT &&
        (event.detail as { image?: { digest?: string } }).image?.digest === digest,
    );

const verify = async (h: LocalStackHarness, repository: string, digest: string, maxAge?: string) =>
  verifyImage(
    {
      image: `${h.registryHost}/${repository}@${digest}`,
      key: pemPublicKey(await h.stack.publicKeyPem()),
      ...(maxAge === undefined ? {} : { requireAttestation: true, maxAge }),
    },
    {
      registry: () => h.stack.registryClient(),
      publicKey: () => {
        throw new Error('the key is given');
      },
    },
  );

/** Another signer's `.sig` and signature bundle on the same digest, written by the same code with its own key. */
const signAsAnother = (
  theirs: ReturnType<typeof localKms>,
  client: ReturnType<LocalStackHarness['stack']['registryClient']>,
  subject: ImageRef,
): Promise<unknown> =>
  signImage(
    {
      signer: theirs.signer(),
      publicKey: pemPublicKey(theirs.publicKeyPem),
      registry: client,
      referrers: new RegistryReferrerAttacher(client),
    },
    subject,
    approvedVerdict(subject),
    ['cosign-legacy', 'sigstore-bundle'],
  );

/** Our vulnerability attestations on `digest`: bundle referrers and `.att` layers our key signed. */
const ourAttestations = async (h: LocalStackHarness, repository: string, digest: Digest) => {
  const client = h.stack.registryClient();
  const key = createPublicKey(await h.stack.publicKeyPem());
  const bundles = (await readBundleReferrers(client, repository, digest)).bundles.filter(
    (bundle) => bundle.claimedPredicateType === COSIGN_VULN_PREDICATE && bundleSignedBy(bundle, key),
  );
  const layers = ((await readLegacyAttestations(client, repository, digest))?.layers ?? []).filter((layer) =>
    envelopeSignedBy(layer.envelope, key),
  );
  return { bundles: bundles.length, layers: layers.length };
};

describe('the sweep judges what no push event brought', () => {
  let h: LocalStackHarness;
  beforeAll(async () => {
    h = await startLocalStackHarness({
      // Every push event of lost/* never reaches the bus; its scan events still do (and find no record).
      eventLoss: {
        drop: (event) =>
          event['detail-type'] === 'ECR Image Action' &&
          String((event.detail as Record<string, unknown>)['repository-name']).startsWith('lost/'),
      },
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('each image gets exactly one final verdict, and the clean ones their signatures', async () => {
    const clean = await h.pushImage('lost/clean', { tag: 'v1' });
    const critical = await h.pushImage('lost/critical', {
      tag: 'v1',
      findings: [{ ...FINDING, name: 'CVE-2024-3094', severity: 'CRITICAL', cvss: 10 }],
    });
    await h.idle();
    expect(h.stack.standIn.lostEvents().length).toBeGreaterThanOrEqual(2);
    expect(await h.stack.verdicts.read('lost/clean', clean.digest)).toBeUndefined();

    const report = await h.sweep();
    expect(report).toMatchObject({ complete: true });
    expect(report.actions.record).toBe(2);

    const approved = await h.awaitRecord('lost/clean', clean.digest, (r) => r.signatures.length === 3);
    expect(approved.outcome).toBe('APPROVED');
    const rejected = await h.awaitRecord('lost/critical', critical.digest);
    expect(rejected).toMatchObject({ outcome: 'REJECTED', signatures: [] });
    await h.idle();
    expect(verdictEvents(h, clean.digest)).toHaveLength(1);
    expect(verdictEvents(h, critical.digest)).toHaveLength(1);
    // Read back from the registry: signed, and verifying with the deployed key; the rejected one is not.
    expect((await verify(h, 'lost/clean', clean.digest)).verified).toBe(true);
    expect((await verify(h, 'lost/critical', critical.digest)).verified).toBe(false);

    // A second run finds nothing to do: no second verdict, no second signature.
    const again = await h.sweep();
    expect(again.actions.record ?? 0).toBe(0);
    await h.idle();
    expect(verdictEvents(h, clean.digest)).toHaveLength(1);
    expect(await ourAttestations(h, 'lost/clean', clean.digest)).toEqual({ bundles: 1, layers: 1 });
  });

  it('a sweep that recorded a verdict and failed to announce it: the next sweep announces it, at once', async () => {
    const image = await h.pushImage('lost/flaky', { tag: 'v1' });
    await h.idle();
    // Every PutEvents fails, past the SDK's retries: the sweep records the approval, then cannot announce it.
    h.stack.standIn.setFaults({ 'events:PutEvents': { error5xx: 50 } });
    await expect(h.sweep()).rejects.toThrow(/PutEvents|InternalFailure|publish/i);
    h.stack.standIn.setFaults({});
    const recorded = await h.stack.verdicts.read('lost/flaky', image.digest);
    expect(recorded).toMatchObject({ status: 'DECIDED', outcome: 'APPROVED', signatures: [] });
    expect(verdictEvents(h, image.digest)).toHaveLength(0);

    // No event will come for it (its push event was lost, its scan event found no record): the sweep is the
    // only retry there is, and it does not wait out the scan timeout.
    const report = await h.sweep();
    expect(report.actions.announce).toBe(1);
    const signed = await h.awaitRecord('lost/flaky', image.digest, (r) => r.signatures.length === 3);
    expect(signed.outcome).toBe('APPROVED');
    await h.idle();
    expect(verdictEvents(h, image.digest)).toHaveLength(1);
    expect((await verify(h, 'lost/flaky', image.digest)).verified).toBe(true);
  });
});

/**
 * The same deployment stopped and started again: the state folder (tables, keys) is kept, and so is the registry,
 * one that outlives both runs, so image references (and the identity signatures name) stay the same. Plain
 * Distribution: a registry front would listen on a new port each run.
 */
const restartable = () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'tollgate-e2e-restart-'));
  let registry: RunningRegistry | undefined;
  return {
    stateDir,
    start: async (options: Parameters<typeof startLocalStackHarness>[0] = {}) => {
      registry ??= await startRegistry({ stateDir: join(stateDir, 'outer-registry') });
      return startLocalStackHarness({
        ...options,
        stateDir,
        registryMode: 'distribution',
        registry: { url: registry.url, host: registry.host, protocol: 'http' },
      });
    },
    stop: async () => {
      await registry?.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
};

describe('a new policy: the sweep judges every approval again', () => {
  const deployment = restartable();
  afterAll(() => deployment.stop());

  // Another signer, with a key of its own.
  const theirs = localKms('arn:aws:kms:us-east-1:000000000000:key/theirs');

  it('an approval the new policy refuses is REVOKED, our signatures removed, another signer’s kept', async () => {
    const config = { revocation: 'remove-signatures' as const };
    const first = await deployment.start({ policy: LAX, config });
    let image: { digest: Digest };
    try {
      image = await first.pushImage('team/app', { tag: 'v1', findings: [FINDING] });
      const approved = await first.awaitRecord('team/app', image.digest, (r) => r.signatures.length === 3);
      expect(approved.outcome).toBe('APPROVED');
      // Another signer's signatures on the same digest.
      const client = first.stack.registryClient();
      const subject: ImageRef = {
        registry: first.registryHost,
        repository: 'team/app',
        digest: image.digest,
      };
      await signAsAnother(theirs, client, subject);
    } finally {
      await first.stop();
    }

    // The same deployment started again with a stricter policy: the event path alone leaves the approval standing.
    const second = await deployment.start({ policy: STRICT, config });
    try {
      expect((await verify(second, 'team/app', image.digest)).verified).toBe(true);
      const report = await second.sweep();
      expect(report.actions.rejudge).toBe(1);
      const revoked = await second.awaitRecord('team/app', image.digest, (r) => r.outcome === 'REVOKED');
      expect(revoked.reasons.join(' ')).toMatch(/HIGH/);
      await second.idle();
      // Ours are gone: the gate refuses the image with the deployed key.
      expect((await verify(second, 'team/app', image.digest)).verified).toBe(false);
      // Theirs are untouched.
      const listed = await readBundleReferrers(second.stack.registryClient(), 'team/app', image.digest);
      expect(listed.bundles.filter((bundle) => bundleSignedBy(bundle, theirs.publicKey))).toHaveLength(1);
      // And the revocation was published (alerts are routed from it).
      expect(
        verdictEvents(second, image.digest).some(
          ({ event }) => (event.detail as { verdict?: string }).verdict === 'REVOKED',
        ),
      ).toBe(true);
    } finally {
      await second.stop();
    }
  });
});

describe('an ageing attestation: the sweep re-attests from a newer scan', () => {
  const deployment = restartable();
  afterAll(() => deployment.stop());
  const DAY = 24 * 60 * 60 * 1000;

  it('the attestation is replaced, verify --require-attestation passes, and one of ours stays', async () => {
    // Pushed, scanned and signed eight days ago.
    const past = await deployment.start({ now: () => new Date(Date.now() - 8 * DAY) });
    let digest: Digest;
    try {
      digest = (await past.pushImage('team/service', { tag: 'v1' })).digest;
      await past.awaitRecord('team/service', digest, (r) => r.signatures.length === 3);
    } finally {
      await past.stop();
    }

    const today = await deployment.start();
    try {
      const stale = await verify(today, 'team/service', digest, '7d');
      expect(stale.verified).toBe(false);
      expect(stale.attestation.status).not.toBe('VALID');

      // Basic scanning: the first run scans the in-use image again (its last scan is older than rescanAfterDays)…
      const first = await today.sweep();
      expect(first.actions.rescan).toBe(1);
      await today.idle();
      // …and the next re-attests from that newer scan.
      const second = await today.sweep();
      expect(second.actions.refresh).toBe(1);
      expect(second.refreshed).toBe(1);
      await today.idle();

      const fresh = await verify(today, 'team/service', digest, '1d');
      expect(fresh.failures).toEqual([]);
      expect(fresh.verified).toBe(true);
      expect(await ourAttestations(today, 'team/service', digest)).toEqual({ bundles: 1, layers: 1 });
    } finally {
      await today.stop();
    }
  });
});

describe('a finding that arrives after the approval revokes it', () => {
  let h: LocalStackHarness;
  const theirs = localKms('arn:aws:kms:us-east-1:000000000000:key/theirs');
  beforeAll(async () => {
    h = await startLocalStackHarness({ config: { revocation: 'remove-signatures' } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('REVOKED, alerted, our signatures removed, another signer’s kept', async () => {
    const image = await h.pushImage('payments/api', { tag: 'v1' });
    await h.awaitRecord('payments/api', image.digest, (r) => r.signatures.length === 3);
    const client = h.stack.registryClient();
    const subject: ImageRef = { registry: h.registryHost, repository: 'payments/api', digest: image.digest };
    await signAsAnother(theirs, client, subject);

    // Inspector's event for a new CRITICAL finding on that digest, as AWS delivers it (the real sample, re-aimed).
    // The stand-in has no Inspector to emit it, so it is put on the default bus with Inspector's source.
    const sample = loadSampleEvent('inspector2-finding-critical.json');
    const detail = structuredClone(sample.detail) as {
      resources: { details: { awsEcrContainerImage: Record<string, unknown> }; id: string }[];
    };
    const resource = detail.resources[0]!;
    resource.details.awsEcrContainerImage.repositoryName = 'payments/api';
    resource.details.awsEcrContainerImage.imageHash = image.digest;
    resource.details.awsEcrContainerImage.registry = h.stack.environment.accountId;
    // The image's owner, which the finding rule matches as well as the event's account.
    (detail as unknown as { awsAccountId: string }).awsAccountId = h.stack.environment.accountId;
    resource.id = `arn:aws:ecr:${h.stack.environment.region}:${h.stack.environment.accountId}:repository/payments/api/${image.digest}`;
    await h.putEvent({ source: 'aws.inspector2', detailType: 'Inspector2 Finding', detail });

    const revoked = await h.awaitRecord('payments/api', image.digest, (r) => r.outcome === 'REVOKED');
    expect(revoked.reasons.join(' ')).toMatch(/CVE-2026-12345/);
    await h.idle();
    expect((await verify(h, 'payments/api', image.digest)).verified).toBe(false);
    const listed = await readBundleReferrers(client, 'payments/api', image.digest);
    expect(listed.bundles.filter((bundle) => bundleSignedBy(bundle, theirs.publicKey))).toHaveLength(1);
    expect(
      h.stack.standIn.sns.published().some((message) => JSON.stringify(message).includes('REVOKED')),
    ).toBe(true);
  });
});
