import type { Command } from '../command';
import { alertsCommand } from './alerts';
import { backfillCommand } from './backfill';
import { boardCommand } from './board';
import { evaluateCommand } from './evaluate';
import { localCommand } from './local';
import { policyCommand } from './policy';
import { statusCommand } from './status';
import { verifyCommand } from './verify';

/** Every sub-command, in the order `--help` lists them. Each issue adds its own. */
export const COMMANDS: readonly Command[] = [
  evaluateCommand,
  localCommand,
  verifyCommand,
  policyCommand,
  statusCommand,
  backfillCommand,
  alertsCommand,
  boardCommand,
];
