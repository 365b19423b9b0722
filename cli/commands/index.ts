import type { Command } from '../command';
import { evaluateCommand } from './evaluate';

/** Every sub-command, in the order `--help` lists them. Each issue adds its own. */
export const COMMANDS: readonly Command[] = [evaluateCommand];
