import { parseCommandArgs } from '../args';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { EXIT, UsageError, type CliIo, type Command } from '../command';
import {
  imageProgress,
  LocalStackError,
  parseRegistryUrl,
  PIPELINE_STAGES,
  pushSampleImage,
  renderSummary,
  sampleImages,
  startLocalStack,
  timedOut,
  type ExternalRegistry,
  type ImageSummary,
  type LocalStack,
  type LocalSummary,
  type PushedImage,
  type PushedSample,
} from '../../local';
import { REGISTRY_MODES, type RegistryMode } from '../../local/registry-front/mode';
import { IMAGE_VERDICT } from '../../shared/core/events/tollgate-detail-types';
import { verdictTableOf } from '../../local/verdict-records';

const USAGE = `Usage: tollgate local [--registry URL] [--registry-mode ecr|distribution] [--state DIR] [--keep-running]
                      [--public-key-out FILE] [--config FILE] [--timeout SECONDS] [--json]

Runs Tollgate on this machine, end to end, with no AWS account: a real OCI registry (Debian's
docker-registry), DynamoDB on dynalite, a loopback stand-in for ECR, KMS, EventBridge, Scheduler and SNS, and
the production handlers, routed by the rules of the synthesized CDK template. Pushes two sample images
(one clean, one with a simulated critical finding), shows the pipeline's progress, and prints each
image's verdict, its signatures and the \`tollgate verify\` command that checks it. Before pushing, the
sweep runs once, as it would on an install: images already in the registry are judged too (column BY says
whether a verdict came from a push event or the sweep), and then every interval of its schedule.

  --registry URL          use a registry that is already running: http://host:port (anonymous) or
                          http://user:password@host:port (basic auth); it is polled for pushes
                          (default: start docker-registry on a free loopback port)
  --registry-mode MODE    ecr: the registry front serves what ECR serves (the referrers API, OCI-Subject,
                          ECR's refusals), so signing takes ECR's path; distribution: plain Distribution 2.8,
                          signing uses the sha256-<hex> tag schema (default: $TOLLGATE_REGISTRY_MODE, else ecr)
  --state DIR             registry storage, tables, keys and function logs (default: .state/local)
  --keep-running          stay up after the summary and judge pushes from other clients until Ctrl-C
  --public-key-out FILE   write the signing public key as PEM here (default: DIR/signing-key.pem)
  --config FILE           the Tollgate configuration to synthesize (default: tollgate.config.yaml)
  --timeout SECONDS       how long to wait for each image's verdict (default: 120)
  --json                  print the summary as JSON on stdout; progress stays on stderr

Exit status: 0 summary printed, 1 an image got no verdict in time, 2 a part could not start (the
message says what to install or which flag to use).`;

interface LocalOptions {
  readonly registry?: ExternalRegistry;
  readonly registryMode?: RegistryMode;
  readonly stateDir: string;
  readonly keepRunning: boolean;
  readonly publicKeyOut?: string;
  readonly configFile?: string;
  readonly timeoutSeconds: number;
  readonly json: boolean;
}

export const localCommand: Command = {
  name: 'local',
  summary: 'run the whole pipeline on this machine, no AWS account needed',
  usage: USAGE,
  run: (argv, io) => run(parseOptions(argv), io),
};

const run = async (options: LocalOptions, io: CliIo): Promise<number> => {
  const progress = (line: string): void => io.stderr(`${line}\n`);
  // Ctrl-C and SIGTERM stop everything this command started, whatever it is doing at the time.
  const interrupted = signalled();
  let stack: LocalStack | undefined;
  try {
    progress(
      `tollgate local: starting (state in ${options.stateDir}${options.registry === undefined ? '' : `, registry ${options.registry.url}`})`,
    );
    const starting = startLocalStack({
      stateDir: options.stateDir,
      ...(options.registry === undefined ? {} : { registry: options.registry }),
      ...(options.configFile === undefined ? {} : { configFile: options.configFile }),
      ...(options.registryMode === undefined ? {} : { registryMode: options.registryMode }),
      // The schedule's later runs; the first is run below, before the samples, and waited for.
      sweep: {},
      progress,
    });
    stack = await Promise.race([starting, interrupted.promise]);
    if (stack === undefined) {
      // Interrupted while starting: let the start finish, then stop what it started.
      progress('tollgate local: stopping');
      await starting.then((started) => started.stop()).catch(() => undefined);
      return interruptedExit(interrupted.signal());
    }
    progress(
      `registry ${stack.registry.url}${stack.registry.managed ? '' : ' (polled)'}, AWS stand-in ${stack.standIn.url}, DynamoDB ${stack.dynamo.endpoint}`,
    );
    progress(`pipeline: ${stagesLine(stack)}`);

    const firstSweep = await runFirstSweep(stack, progress);
    const publicKeyFile = await writePublicKey(stack, options, progress);
    const pushed: PushedImage[] = [];
    for (const sample of sampleImages()) {
      const image: PushedSample = await pushSampleImage(stack.registryClient(), sample);
      progress(
        `pushed ${stack.registry.host}/${image.repository}:${image.tag} (${sample.description}) → ${image.digest}`,
      );
      pushed.push(image);
    }
    await stack.pollRegistry();

    const images = await Promise.race([
      awaitVerdicts(stack, pushed, options.timeoutSeconds),
      interrupted.promise,
    ]);
    if (images === undefined) return interruptedExit(interrupted.signal());
    const summary: LocalSummary = {
      registry: stack.registry.host,
      images,
      ...(firstSweep === undefined ? {} : { firstSweep }),
    };
    io.stdout(
      options.json
        ? `${JSON.stringify(summary, null, 2)}\n`
        : renderSummary(summary, {
            ...(publicKeyFile === undefined ? {} : { publicKeyFile }),
            stages: stagesLine(stack),
            deadLetters: stack.runtime.deadLetters.length,
          }),
    );
    const undecided = images.some((image) => image.verdict.includes('no verdict after'));

    if (options.keepRunning) {
      progress(
        `\nstill running: push to ${stack.registry.host} (e.g. skopeo copy --dest-tls-verify=false ...); Ctrl-C stops`,
      );
      // The verdict board over this stack's table (docs/board.md): a command of its own, so Ctrl-C here stops only this.
      progress(
        `board: AWS_REGION=${stack.environment.region} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_ENDPOINT_URL_DYNAMODB=${stack.dynamo.endpoint} npx tollgate board --table ${verdictTableOf(stack.deployment) ?? '<verdict table>'}${publicKeyFile === undefined ? '' : ` --key ${publicKeyFile}`} → http://127.0.0.1:8080/`,
      );
      await followVerdicts(
        stack,
        new Set(images.map((image) => image.digest)),
        progress,
        interrupted.promise,
      );
      return EXIT.OK;
    }
    return undecided ? EXIT.NEGATIVE : EXIT.OK;
  } catch (error) {
    if (error instanceof LocalStackError) {
      io.stderr(`tollgate local: ${error.message}\n  hint: ${error.hint}\n`);
      return EXIT.ERROR;
    }
    throw error;
  } finally {
    // The signal handlers stay until everything is stopped: a second Ctrl-C must not kill this process
    // while the registry it started is still running.
    if (stack !== undefined) {
      progress('tollgate local: stopping');
      await stack.stop();
    }
    interrupted.dispose();
    // Everything started is stopped by now, so the process should end by itself. Should some handle
    // still hold it, say so and end anyway: a demo must never hang a terminal or a CI job.
    setTimeout(() => {
      io.stderr('tollgate local: a handle was left open after stopping; exiting\n');
      process.exit(process.exitCode ?? 0);
    }, 5000).unref();
  }
};

/** The sweep's first run, as on an install: what is already in the registry gets judged. */
const runFirstSweep = async (
  stack: LocalStack,
  progress: (line: string) => void,
): Promise<LocalSummary['firstSweep']> => {
  if (stack.sweep === undefined) return undefined;
  const outcome = (await stack.sweep.run()) as
    { ok: true; result: { images?: number; actions?: Record<string, number> } } | { ok: false };
  if (!outcome.ok) return undefined;
  await stack.runtime.idle();
  const actions = outcome.result.actions ?? {};
  const judged = actions.record ?? 0;
  progress(
    `first sweep: ${outcome.result.images ?? 0} image(s) in the registry, ${judged} judged by the sweep`,
  );
  return { images: outcome.result.images ?? 0, judged, actions };
};

const awaitVerdicts = async (
  stack: LocalStack,
  pushed: readonly PushedImage[],
  timeoutSeconds: number,
): Promise<ImageSummary[]> => {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const progress = await Promise.all(pushed.map((image) => imageProgress(stack, image)));
    if (progress.every((item) => item.final)) return progress.map((item) => item.summary);
    if (Date.now() > deadline) {
      return progress.map((item) => (item.final ? item.summary : timedOut(item, timeoutSeconds)));
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
};

/** `--keep-running`: report each new verdict as it is published, until a signal. */
const followVerdicts = async (
  stack: LocalStack,
  reported: Set<string>,
  progress: (line: string) => void,
  stop: Promise<unknown>,
): Promise<void> => {
  let done = false;
  void stop.then(() => (done = true));
  let seen = 0;
  while (!done) {
    const events = stack.standIn.events();
    for (const { event } of events.slice(seen)) {
      if (event['detail-type'] !== IMAGE_VERDICT) continue;
      const detail = event.detail as { verdict?: string; image?: { repository?: string; digest?: string } };
      const key = `${detail.image?.repository}@${detail.image?.digest}`;
      if (reported.has(detail.image?.digest ?? '') || reported.has(key)) continue;
      reported.add(key);
      progress(`verdict ${detail.verdict ?? '?'} for ${stack.registry.host}/${key}`);
    }
    seen = events.length;
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 250)), stop]);
  }
};

const writePublicKey = async (
  stack: LocalStack,
  options: LocalOptions,
  progress: (line: string) => void,
): Promise<string | undefined> => {
  if (stack.signingKey === undefined) {
    progress('the template declares no signing key: nothing to verify with');
    return undefined;
  }
  const file = resolve(options.publicKeyOut ?? join(options.stateDir, 'signing-key.pem'));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, await stack.publicKeyPem());
  progress(`signing key ${stack.signingKey.alias ?? stack.signingKey.arn}: public key in ${file}`);
  return file;
};

const stagesLine = (stack: LocalStack): string =>
  PIPELINE_STAGES.map((stage) => `${stage} ${stack.stageBuilt(stage) ? 'built' : 'not built'}`).join(', ');

interface Signalled {
  readonly promise: Promise<undefined>;
  readonly signal: () => NodeJS.Signals | undefined;
  readonly dispose: () => void;
}

const signalled = (): Signalled => {
  let received: NodeJS.Signals | undefined;
  let resolveSignal: (value: undefined) => void = () => undefined;
  const promise = new Promise<undefined>((resolve) => (resolveSignal = resolve));
  const handler = (signal: NodeJS.Signals): void => {
    received = signal;
    resolveSignal(undefined);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    promise,
    signal: () => received,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
};

/** The shell's convention: 128 + the signal number. */
const interruptedExit = (signal: NodeJS.Signals | undefined): number => (signal === 'SIGTERM' ? 143 : 130);

const parseOptions = (argv: readonly string[]): LocalOptions => {
  const { values } = parseCommandArgs(argv, {
    registry: { type: 'string' },
    'registry-mode': { type: 'string' },
    state: { type: 'string' },
    'keep-running': { type: 'boolean', default: false },
    'public-key-out': { type: 'string' },
    config: { type: 'string' },
    timeout: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const timeoutSeconds = values.timeout === undefined ? 120 : Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new UsageError(`--timeout: expected a number of seconds, got ${JSON.stringify(values.timeout)}`);
  }
  let registry: ExternalRegistry | undefined;
  if (values.registry !== undefined) {
    try {
      registry = parseRegistryUrl(values.registry);
    } catch (error) {
      throw new UsageError(
        error instanceof LocalStackError ? `${error.message} (${error.hint})` : String(error),
      );
    }
  }
  let registryMode: RegistryMode | undefined;
  if (values['registry-mode'] !== undefined) {
    if (!(REGISTRY_MODES as readonly string[]).includes(values['registry-mode'])) {
      throw new UsageError(
        `--registry-mode: expected ${REGISTRY_MODES.join(' or ')}, got ${JSON.stringify(values['registry-mode'])}`,
      );
    }
    registryMode = values['registry-mode'] as RegistryMode;
  }
  return {
    ...(registry === undefined ? {} : { registry }),
    ...(registryMode === undefined ? {} : { registryMode }),
    stateDir: resolve(values.state ?? join('.state', 'local')),
    keepRunning: values['keep-running'],
    ...(values['public-key-out'] === undefined ? {} : { publicKeyOut: values['public-key-out'] }),
    ...(values.config === undefined ? {} : { configFile: values.config }),
    timeoutSeconds,
    json: values.json,
  };
};
