import type { SimulatedFinding } from '../../local/aws';
import { startLocalStackHarness, type LocalStackHarness } from '../e2e/harness';
import { readSignatures, verdictEventsFor } from './audit';
import { DeliveryControl, repeatShuffled, type HeldDelivery } from './delivery';
import { reliabilitySeed, report, seededRandom } from './settings';

jest.setTimeout(180_000);

const SEED = reliabilitySeed();
const TIMES = 5;
const CRITICAL: SimulatedFinding[] = [
  { name: 'CVE-2024-3094', severity: 'CRITICAL', package: 'xz-utils', version: '5.6.0', cvss: 10 },
];

const detailType = (delivery: HeldDelivery): string => {
  const type = (delivery.event as { 'detail-type'?: unknown })['detail-type'];
  return typeof type === 'string' ? type : 'schedule';
};
const isPush = (delivery: HeldDelivery): boolean => detailType(delivery) === 'ECR Image Action';
const isScan = (delivery: HeldDelivery): boolean => detailType(delivery) === 'ECR Image Scan';

/** One letter per delivery, so the order fits on a line: P push, S scan, T timeout, R signing request, V verdict. */
const abbreviate = (order: readonly string[]): string =>
  order
    .map((type) =>
      type === 'ECR Image Action'
        ? 'P'
        : type === 'ECR Image Scan'
          ? 'S'
          : type === 'schedule'
            ? 'T'
            : type.includes('Signing')
              ? 'R'
              : type.includes('Verdict')
                ? 'V'
                : '?',
    )
    .join('');

/** What "the outcome" of an image is: its record, what the registry holds, what the bus said. */
const outcomeOf = async (harness: LocalStackHarness, repository: string, digest: string) => {
  const record = await harness.stack.verdicts.read(repository, digest);
  const stored = await readSignatures(harness.stack.registryClient(), { repository, digest });
  const events = verdictEventsFor(harness.stack.standIn.events(), digest);
  return {
    status: record?.status,
    outcome: record?.outcome,
    signatureFormats: (record?.signatures ?? []).map((signature) => signature.format).sort(),
    stored: { legacyLayers: stored.legacyLayers, referrers: stored.referrersByType },
    publishedVerdicts: [...new Set(events.map((recorded) => String(recorded.event.detail.verdict)))],
  };
};

describe(`ordering: each event delivered ${TIMES} times in a random order (seed ${SEED})`, () => {
  let harness: LocalStackHarness;
  let control: DeliveryControl;
  const random = seededRandom(SEED);

  beforeAll(async () => {
    harness = await startLocalStackHarness();
    control = new DeliveryControl(harness.stack.runtime);
  });
  afterAll(() => harness?.stop());

  const onTimeoutFunction = (): string => {
    const fn = harness.stack.deployment.functions.find(
      (candidate) => harness.stack.stageOf(candidate.functionName) === 'on-timeout',
    );
    if (fn === undefined) throw new Error('the template has no on-timeout function');
    return fn.functionName;
  };

  /** The reference: one clean delivery of each event, in the order AWS sends them. */
  const clean = async (repository: string, findings: SimulatedFinding[]) => {
    const image = await harness.pushImage(repository, { findings });
    await harness.awaitRecord(repository, image.digest);
    await harness.idle();
    return outcomeOf(harness, repository, image.digest);
  };

  /**
   * The same image, but every event of it is held, then delivered TIMES times in a shuffled order, stage
   * after stage (the signing request exists only once the judge decided). `scansFirst` delivers every scan
   * copy, and lets it be handled, before the first push copy. Afterwards the push arrives again (after the
   * verdict) and the scan-timeout schedule fires (after the decision), TIMES times each.
   */
  const shuffled = async (repository: string, findings: SimulatedFinding[], scansFirst: boolean) => {
    control.hold(repository);
    const image = await harness.pushImage(repository, { findings });
    const deadline = Date.now() + 30_000;
    const firstStage: HeldDelivery[] = [];
    while (!(firstStage.some(isPush) && firstStage.some(isScan)) && Date.now() < deadline) {
      await harness.idle();
      firstStage.push(...control.take());
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(firstStage.some(isPush) && firstStage.some(isScan)).toBe(true);
    const order: string[] = [];
    const pushes = firstStage.filter(isPush);
    if (scansFirst) {
      const scans = repeatShuffled(firstStage.filter(isScan), TIMES, random);
      control.release(scans);
      await harness.idle();
      const rest = repeatShuffled(
        firstStage.filter((delivery) => !isScan(delivery)),
        TIMES,
        random,
      );
      control.release(rest);
      order.push(...scans.map(detailType), ...rest.map(detailType));
    } else {
      const all = repeatShuffled(firstStage, TIMES, random);
      control.release(all);
      order.push(...all.map(detailType));
    }
    // Later stages (signing requests, verdicts to notify), each shuffled the same way as it appears.
    for (let round = 0; round < 10; round++) {
      await harness.idle();
      const next = control.take();
      if (next.length === 0) break;
      const copies = repeatShuffled(next, TIMES, random);
      control.release(copies);
      order.push(...copies.map(detailType));
    }
    await harness.idle();
    // Late arrivals: the push again after the verdict, and the scan-timeout schedule after the decision.
    const late: HeldDelivery[] = [
      ...pushes,
      { reference: onTimeoutFunction(), event: { repository, digest: image.digest } },
    ];
    const lateCopies = repeatShuffled(late, TIMES, random);
    control.release(lateCopies);
    order.push(...lateCopies.map(detailType));
    for (let round = 0; round < 10; round++) {
      await harness.idle();
      const next = control.take();
      if (next.length === 0) break;
      control.release(repeatShuffled(next, TIMES, random));
    }
    await harness.idle();
    report(`ordering ${repository}`, { seed: SEED, deliveries: order.length, order: abbreviate(order) });
    return outcomeOf(harness, repository, image.digest);
  };

  it.each([
    ['an approved image', 'approved', [] as SimulatedFinding[]],
    ['a rejected image', 'rejected', CRITICAL],
  ])('%s: shuffled deliveries give the outcome of one clean delivery', async (_label, name, findings) => {
    const reference = await clean(`order/${name}-clean`, findings);
    const outcome = await shuffled(`order/${name}-shuffled`, findings, false);
    expect(reference.status).toBe('DECIDED');
    expect(outcome).toEqual(reference);
  });

  it.each([
    ['an approved image', 'approved', [] as SimulatedFinding[]],
    ['a rejected image', 'rejected', CRITICAL],
  ])(
    '%s: every scan delivered before the push still gives the clean outcome',
    async (_label, name, findings) => {
      const reference = await clean(`order/${name}-clean2`, findings);
      const outcome = await shuffled(`order/${name}-scan-first`, findings, true);
      expect(outcome).toEqual(reference);
    },
  );
});
