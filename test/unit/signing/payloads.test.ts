import { createHash } from 'node:crypto';
import { VERDICT_SCHEMA_VERSION, type ApprovedVerdict, type Digest } from '../../../shared/core/domain';
import {
  signatureManifest,
  signatureTag,
  simpleSigningPayload,
  inTotoStatement,
  vulnPredicate,
} from '../../../shared/app/signing';

const DIGEST = `sha256:${'a'.repeat(64)}` as Digest;

describe('payload and manifest builders', () => {
  it('writes the simple-signing payload byte for byte as cosign does', () => {
    expect(
      simpleSigningPayload('123456789012.dkr.ecr.us-west-2.amazonaws.com/team/app', DIGEST).toString(),
    ).toBe(
      `{"critical":{"identity":{"docker-reference":"123456789012.dkr.ecr.us-west-2.amazonaws.com/team/app"},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"cosign container image signature"},"optional":null}`,
    );
    expect(JSON.parse(simpleSigningPayload('r/x', DIGEST, { creator: 'tollgate' }).toString())).toMatchObject(
      {
        optional: { creator: 'tollgate' },
      },
    );
  });

  it('names the legacy tag sha256-<hex>.sig', () => {
    expect(signatureTag(DIGEST)).toBe(`sha256-${'a'.repeat(64)}.sig`);
  });

  it('appends a layer, keeps existing ones and lists every layer in rootfs.diff_ids', () => {
    const first = signatureManifest([], { payload: Buffer.from('one'), signature: 'c2lnMQ==' });
    const second = signatureManifest(first.manifest.layers, {
      payload: Buffer.from('two'),
      signature: 'c2lnMg==',
    });
    expect(second.manifest.layers).toHaveLength(2);
    expect(second.manifest.layers[0]).toEqual(first.manifest.layers[0]);
    const config = JSON.parse(second.blobs[0]!.bytes.toString()) as {
      rootfs: { type: string; diff_ids: string[] };
      history: unknown[];
    };
    expect(config.rootfs).toEqual({
      type: 'layers',
      diff_ids: second.manifest.layers.map((layer) => layer.digest),
    });
    expect(config.history).toHaveLength(2);
    expect(second.manifest.config.digest).toBe(
      `sha256:${createHash('sha256').update(second.blobs[0]!.bytes).digest('hex')}`,
    );
    expect(second.manifest.layers[1]).toEqual({
      mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
      size: 3,
      digest: `sha256:${createHash('sha256').update('two').digest('hex')}`,
      annotations: { 'dev.cosignproject.cosign/signature': 'c2lnMg==' },
    });
  });

  it('builds an in-toto v1 statement naming the repository and digest', () => {
    expect(inTotoStatement('r.example/team/app', DIGEST, 'https://sigstore.dev/cosign/sign/v1', {})).toEqual({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'r.example/team/app', digest: { sha256: 'a'.repeat(64) } }],
      predicateType: 'https://sigstore.dev/cosign/sign/v1',
      predicate: {},
    });
  });

  it('records scanner, times, counts, verdict, policy and exceptions in the vuln predicate', () => {
    const verdict: ApprovedVerdict = {
      schemaVersion: VERDICT_SCHEMA_VERSION,
      outcome: 'APPROVED',
      image: { registry: 'r', repository: 'team/app', digest: DIGEST },
      mode: 'enforce',
      reasons: [],
      warnings: ['w'],
      decidedAt: '2025-01-01T00:10:00Z',
      policyDigest: 'sha256:p',
      scan: {
        scanner: 'ECR_BASIC',
        status: 'COMPLETE',
        completedAt: '2025-01-01T00:05:00Z',
        severityCounts: { HIGH: 1 },
      },
      blocking: [],
      blockingTotal: 0,
      exceptionsApplied: [{ id: 'CVE-1', reason: 'r', expires: '2026-01-01', matched: 1 }],
    };
    const predicate = vulnPredicate(verdict);
    expect(predicate.scanner.uri).toContain('image-scanning-basic');
    expect(predicate.scanner.result).toMatchObject({
      verdict: 'APPROVED',
      severityCounts: { HIGH: 1 },
      policyDigest: 'sha256:p',
      exceptionsApplied: [{ id: 'CVE-1' }],
    });
    expect(predicate.metadata).toEqual({
      scanStartedOn: '2025-01-01T00:05:00Z',
      scanFinishedOn: '2025-01-01T00:05:00Z',
    });
    // A URN in Tollgate's name: no web address that someone else could register and seem to speak for.
    expect(predicate.invocation['builder.id']).toMatch(/^urn:tollgate:/);
    expect(predicate.invocation['builder.id']).not.toMatch(/^https?:/);
  });
});
