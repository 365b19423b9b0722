import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { judgeImage, type JudgeDeps, type JudgeOptions, type JudgeOutcome } from '../../app/judge';
import type { ImageKeyParts } from '../../app/ports/verdict-store';

/**
 * `Verdicts` (dimension `outcome`) and, for a first verdict, `PushToVerdictSeconds` for one judged image.
 * Every function that decides a verdict (on-scan, on-push, on-timeout) emits these, so the dashboard
 * counts each verdict once whichever function decided it. A replay (dry run) decides nothing that counts.
 */
export const emitVerdictMetric = (metrics: Metrics, outcome: JudgeOutcome): void => {
  if (outcome.kind !== 'decided' || outcome.dryRun) return;
  // A metric of its own, so the outcome dimension does not land on the invocation's other metrics.
  const verdicts = metrics.singleMetric();
  verdicts.addDimension('outcome', outcome.verdict.outcome);
  verdicts.addMetric('Verdicts', MetricUnit.Count, 1);
  if (outcome.firstVerdict) {
    const seconds = (Date.parse(outcome.verdict.decidedAt) - Date.parse(outcome.record.pushedAt)) / 1000;
    if (Number.isFinite(seconds)) metrics.addMetric('PushToVerdictSeconds', MetricUnit.Seconds, seconds);
  }
};

/** `emitVerdictMetric` for an outcome and the index verdicts it completed. */
export const emitVerdictMetrics = (metrics: Metrics, outcome: JudgeOutcome): void => {
  for (let current: JudgeOutcome | undefined = outcome; current !== undefined; current = current.index) {
    emitVerdictMetric(metrics, current);
  }
};

/** judgeImage, with the verdict metrics of what it decides: the one judge every function that judges is handed. */
export const countedJudge =
  (deps: JudgeDeps, metrics: Metrics) =>
  async (image: ImageKeyParts, correlationId?: string, options?: JudgeOptions): Promise<JudgeOutcome> => {
    const judged = await judgeImage(deps, image, correlationId, options);
    emitVerdictMetrics(metrics, judged);
    return judged;
  };
