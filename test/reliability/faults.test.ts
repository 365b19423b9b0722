import { writeFileSync } from 'node:fs';
import type { AwsFaults } from '../../local/aws';
import { startRegistryFront, type RegistryFront } from '../../local/registry-front';
import { startLocalStackHarness, type LocalStackHarness } from '../e2e/harness';
import { auditImage, summarize, type ImageAudit, type PushedImage } from './audit';
import { reliabilityImages, reliabilitySeed, report, seededRandom } from './settings';

const IMAGES = reliabilityImages();
const SEED = reliabilitySeed();
const FAULT_RATE = 0.1;
// Generous: the CI count settles in about a minute on two cores; the full count in a few.
jest.setTimeout(60_000 + IMAGES * 4_000);

const CRITICAL = [
  { name: 'CVE-2024-3094', severity: 'CRITICAL' as const, package: 'xz-utils', version: '5.6.0', cvss: 10 },
];

/** The stand-in's APIs, faulted in turn by throttling, by 5xx, and by 5xx with added latency. */
const standInPhase = (phase: number): AwsFaults => {
  const spec =
    phase % 3 === 0
      ? { probability: FAULT_RATE, throttle: 0 }
      : phase % 3 === 1
        ? { probability: FAULT_RATE }
        : { probability: FAULT_RATE, latencyMs: 25 };
  return { 'ecr:*': spec, 'kms:*': spec, 'events:*': spec, 'scheduler:*': spec };
};

describe(`faults: ${IMAGES} images, ~${FAULT_RATE * 100}% of calls to ECR, KMS, EventBridge, Scheduler, DynamoDB and the registry fail, and ~${FAULT_RATE * 100}% of ECR and Inspector events are lost (seed ${SEED})`, () => {
  let harness: LocalStackHarness;
  let dynamoProxy: RegistryFront;
  let registryProxy: RegistryFront;
  let phases: NodeJS.Timeout | undefined;
  const random = seededRandom(SEED);

  beforeAll(async () => {
    dynamoProxy = await startRegistryFront({ dialect: 'dynamodb', random });
    registryProxy = await startRegistryFront({ dialect: 'registry', random });
    const proxies = { dynamodb: dynamoProxy, registry: registryProxy };
    harness = await startLocalStackHarness({
      // Long enough that scans end after on-push ran (it has a backlog: signature pushes are events too), so
      // scan-timeout schedules are created and the Scheduler's faults matter; a shorter one is judged on push.
      scanDelayMs: 8_000,
      // AWS delivers its own events best-effort: these never arrive, and only the sweep makes up for them.
      eventLoss: { drop: () => random() < FAULT_RATE },
      front: (service, url) => {
        proxies[service].setTarget(url);
        return Promise.resolve(proxies[service].url);
      },
    });
  });
  afterAll(async () => {
    if (phases !== undefined) clearInterval(phases);
    await harness?.stop();
    await dynamoProxy?.stop();
    await registryProxy?.stop();
  });

  it('ends every image with one verdict or in the DLQ; no duplicate, no stray signature, no lost event', async () => {
    const faults = { probability: FAULT_RATE, latencyMs: 100 };
    dynamoProxy.setFaults(faults);
    registryProxy.setFaults(faults);
    let phase = 0;
    harness.stack.standIn.setFaults(standInPhase(phase));
    phases = setInterval(() => harness.stack.standIn.setFaults(standInPhase(++phase)), 250);

    const started = Date.now();
    const pushed: PushedImage[] = [];
    const rejectedByDesign = new Set<string>();
    // Pushed in small concurrent batches: a steady stream, as a busy registry sees.
    for (let first = 0; first < IMAGES; first += 8) {
      const batch = Array.from({ length: Math.min(8, IMAGES - first) }, (_, offset) => first + offset);
      const images = await Promise.all(
        batch.map((index) =>
          harness.pushImage(`rel/svc-${index % 10}`, {
            tag: `build-${index}`,
            findings: index % 5 === 4 ? CRITICAL : [],
          }),
        ),
      );
      for (const [offset, image] of images.entries()) {
        pushed.push({ repository: image.repository, digest: image.digest });
        if (batch[offset]! % 5 === 4) rejectedByDesign.add(image.digest);
      }
    }

    const client = harness.stack.registryClient();
    const settle = async (): Promise<ImageAudit[]> => {
      const events = harness.stack.standIn.events();
      const deadLetters = harness.stack.runtime.deadLetters;
      return Promise.all(
        pushed.map(async (image) =>
          auditImage(
            image,
            await harness.stack.verdicts.read(image.repository, image.digest),
            events,
            deadLetters,
            client,
          ),
        ),
      );
    };
    const done = (audit: ImageAudit): boolean =>
      audit.fate === 'dead-lettered' || (audit.fate === 'decided' && !audit.eventLost);
    // Settled when every image is done, or when nothing is in flight and nothing has changed for a while
    // (what is left then waits for a scan-timeout schedule hours away, or is lost: the assertions say which).
    const deadline = Date.now() + IMAGES * 3_000;
    let audits: ImageAudit[];
    let unchanged = 0;
    let previous = '';
    const sweeps: unknown[] = [];
    for (;;) {
      await harness.idle();
      audits = await settle();
      const state = JSON.stringify(audits.map((audit) => [audit.fate, audit.outcome, audit.verdictEvents]));
      unchanged = state === previous ? unchanged + 1 : 0;
      previous = state;
      if (audits.every(done) || unchanged >= 10 || Date.now() > deadline) break;
      // Quiet for a while with images not done: what a lost event left behind. The sweep runs as its schedule
      // would, under the same faults; a run that fails is simply followed by the next.
      if (unchanged >= 3) {
        sweeps.push(
          await harness.sweep().then(
            (run) => run.actions,
            (error: unknown) => String(error),
          ),
        );
        unchanged = 0;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    clearInterval(phases);
    // For a post-mortem: every routed event, invocation and function log line of the run.
    if (process.env.RELIABILITY_LOG_FILE)
      writeFileSync(process.env.RELIABILITY_LOG_FILE, harness.log.join('\n'));
    const seconds = (Date.now() - started) / 1000;

    const summary = summarize(audits);
    const deadLetters = harness.stack.runtime.deadLetters;
    report('faults', {
      seed: SEED,
      seconds,
      eventsLostByAws: harness.stack.standIn.lostEvents().length,
      sweeps,
      ...summary,
      notDone: audits
        .filter((audit) => !done(audit))
        .map((audit) => ({
          ...audit.image,
          fate: audit.fate,
          outcome: audit.outcome,
          verdictEvents: audit.verdictEvents,
          signatures: audit.signatures,
        })),
      deadLettersByFunction: countBy(deadLetters.map((letter) => letter.functionName)),
      deadLetterErrors: countBy(
        deadLetters.map(
          (letter) =>
            `${letter.record.responsePayload.errorType}: ${letter.record.responsePayload.errorMessage.slice(0, 160)}`,
        ),
      ),
      deadLetterDestinations: [...new Set(deadLetters.map((letter) => letter.destination ?? '(none)'))],
      injected: {
        standIn: harness.stack.standIn.calls(),
        dynamodb: dynamoProxy.counts(),
        registry: registryProxy.counts(),
      },
      // Behind the fault front: the registry endpoint itself (the ECR front's referrers API, or plain Distribution),
      // and the functions' requests to it by route; `referrers tag` is the sha256-<hex> tag-schema index.
      registryEndpoint: {
        mode: harness.stack.registry.mode,
        calls: harness.stack.registryFront?.calls().pipeline,
      },
    });

    // Every image is accounted for: decided (with its event) or waiting in a dead-letter queue.
    expect(audits.filter((audit) => audit.fate === 'lost').map((audit) => audit.image)).toEqual([]);
    expect(summary.flipped).toBe(0);
    expect(summary.duplicateSignatures).toBe(0);
    expect(summary.signedButNotApproved).toBe(0);
    expect(summary.eventsLost).toBe(0);
    // A critical finding is never approved, whatever failed on the way.
    for (const audit of audits) {
      if (rejectedByDesign.has(audit.image.digest)) expect(audit.outcome).not.toBe('APPROVED');
    }
    // Dead letters go to a queue (the DLQ alarm watches it), never into the void.
    for (const letter of deadLetters) expect(letter.destination).toMatch(/^arn:aws:sqs:/);
    // The faults really happened, at roughly the rate asked for.
    const injected = dynamoProxy.counts();
    expect(Object.values(injected.faults).reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
  });
});

const countBy = (values: readonly string[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
};
