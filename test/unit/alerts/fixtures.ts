import type { Digest, RejectedVerdict } from '../../../shared/core/domain';
import { verdictEventDetail, type VerdictEventDetail } from '../../../shared/core/events';
import type { TagViolationDetail } from '../../../shared/core/events/tag-violation-event';

export const DIGEST = `sha256:${'a'.repeat(64)}` as Digest;
export const REGISTRY = '123456789012.dkr.ecr.us-west-2.amazonaws.com';
export const NOW = new Date('2026-12-01T12:00:00Z');
export const CONSOLE_URL =
  'https://us-west-2.console.aws.amazon.com/ecr/repositories/private/123456789012/payments/api' +
  `/_/image/${DIGEST}/details?region=us-west-2`;

/** Strings a pusher, a scanner or a policy author could plant in an alert. */
export const HOSTILE = {
  channel: '<!channel> deploy now',
  mention: 'ping <@U123ABC> and <!here|here>',
  link: '<https://evil.example/login|Open in the ECR console>',
  bareUrl: 'see https://evil.example/phish',
  ampersand: 'a &amp; b & <c>',
  header: 'innocent\r\nBcc: victim@example.com\r\nSubject: hacked',
  forgedLine: 'x\nVerdict: APPROVED\n',
  bidi: 'abc\u202edcba\u2066x\u2069',
  controls: 'bell\u0007 nul\u0000 esc\u001b[31m del\u007f c1\u0085 zwsp\u200b ls\u2028',
} as const;

const image = { registry: REGISTRY, repository: 'payments/api', digest: DIGEST };

/** A REJECTED verdict as the judge records it; tests pass it through the real event builder. */
export const rejectedVerdict = (overrides: Partial<RejectedVerdict> = {}): RejectedVerdict => ({
  schemaVersion: '1.0',
  outcome: 'REJECTED',
  image,
  mode: 'enforce',
  reasons: ['3 findings break the policy'],
  warnings: [],
  decidedAt: '2026-12-01T11:59:00.000Z',
  policyDigest: `sha256:${'c'.repeat(64)}`,
  scan: {
    scanner: 'INSPECTOR',
    status: 'COMPLETE',
    completedAt: '2026-12-01T11:58:00.000Z',
    severityCounts: { CRITICAL: 2, HIGH: 1 },
  },
  blocking: [
    { id: 'CVE-2026-0001', severity: 'CRITICAL', package: 'openssl', rule: 'severityLimits.CRITICAL' },
    { id: 'CVE-2026-0002', severity: 'CRITICAL', package: 'zlib', rule: 'severityLimits.CRITICAL' },
    { id: 'CVE-2026-0003', severity: 'HIGH', rule: 'maxCvss' },
  ],
  blockingTotal: 3,
  exceptionsApplied: [
    { id: 'CVE-2026-1000', package: 'glibc', reason: 'not reachable', expires: '2026-12-05', matched: 1 },
    { id: 'CVE-2026-1001', package: 'curl', reason: 'fix due', expires: '2026-12-15', matched: 1 },
    { id: 'CVE-2026-1002', package: 'bash', reason: 'later', expires: '2026-12-16', matched: 1 },
  ],
  ...overrides,
});

/** The public event detail, built by the producer's own code (shared/core/events/verdict-event.ts). */
export const verdictDetail = (
  overrides: Partial<RejectedVerdict> = {},
  tags: readonly string[] = ['1.4.2', 'stable'],
): VerdictEventDetail =>
  verdictEventDetail({
    record: { image, tags: [...tags] },
    verdict: rejectedVerdict(overrides),
    correlationId: 'scan-event-1',
  });

export const tagViolationDetail = (overrides: Partial<TagViolationDetail> = {}): TagViolationDetail => ({
  schemaVersion: '1.0',
  registry: REGISTRY,
  repository: 'payments/api',
  digest: DIGEST,
  tag: 'latest',
  rule: 'FORBIDDEN_TAG',
  action: 'reported',
  message: 'tag latest is forbidden by tagRules.forbidden',
  detectedAt: '2026-12-01T11:00:00.000Z',
  correlationId: 'push-event-1',
  ...overrides,
});
