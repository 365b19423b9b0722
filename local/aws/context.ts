import type { Background } from './background';
import type { EventLog } from './event-log';

/** What every service of the stand-in shares. */
export interface StandInContext {
  readonly accountId: string;
  readonly region: string;
  readonly now: () => Date;
  readonly log: (line: string) => void;
  readonly background: Background;
  readonly events: EventLog;
}

export const DEFAULT_BUS = 'default';

export const repositoryArn = (context: StandInContext, repository: string): string =>
  `arn:aws:ecr:${context.region}:${context.accountId}:repository/${repository}`;
