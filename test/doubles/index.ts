/**
 * The test doubles: one of each, shared by every unit test, so they cannot drift apart as copies do. Each stands
 * for one thing Tollgate talks to and implements the real port, so the type checker keeps it honest when the
 * port changes.
 *
 * - MemoryRegistry (RegistryClient): an OCI registry in memory, with or without the referrers API, logging
 *   manifest reads and writes, and failing the next call on request.
 * - MemoryReferrers (ReferrerAttacher): a second writer of OCI referrers, cosign v3's layout, independent of
 *   the production attacher.
 * - MemoryVerdictStore (VerdictStore): the verdict table as the use cases see it, with the same version checks,
 *   conflict injection and a hook between reads.
 * - VerdictTable: the same table one level down, behind a mocked DynamoDBDocumentClient, so the real
 *   DynamoVerdictStore runs; it evaluates conditions and updates by meaning and refuses what it cannot read.
 * - RecordingPublisher (EventPublisher): the event bus, keeping what was published.
 * - localKms: KMS with a local P-256 key behind a mocked KMSClient, strict about what Sign receives; and the
 *   same key as a plain sigstore Signer.
 * - lambdaContext, captureOutput: the Lambda runtime's context, and the log and metric lines it would collect.
 * - verdictFor, approvedVerdict, recordFor: the verdicts and records these doubles are seeded with.
 * - RecordingTransport (WebhookTransport), staticSecrets (SecretSource), RecordingTopic (AlertTopic): the alert
 *   receivers, their tokens in Secrets Manager, and the SNS topic.
 */
export { MemoryRegistry, type MemoryRegistryOptions } from './memory-registry';
export { MemoryReferrers } from './memory-referrers';
export { MemoryVerdictStore } from './memory-verdict-store';
export { VerdictTable } from './verdict-table';
export { RecordingPublisher } from './recording-publisher';
export { localKms, signDigestP256, TEST_KEY_ARN, type LocalKms, type LocalKmsOptions } from './kms';
export { captureOutput, emittedMetrics, lambdaContext } from './lambda';
export { approvedVerdict, recordFor, verdictFor } from './verdicts';
export { RecordingTopic, RecordingTransport, staticSecrets } from './webhook-receivers';
