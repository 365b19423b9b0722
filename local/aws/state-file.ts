import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Reads a JSON state file, or `fallback` when there is none yet. A corrupt file is an error, not a reset. */
export const readState = <T>(path: string, fallback: T): T => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw error;
  }
  return JSON.parse(text) as T;
};

/** Writes through a temporary file and a rename, so a crash never leaves half a file behind. */
export const writeState = (path: string, value: unknown, mode = 0o644): void => {
  writePrivate(path, `${JSON.stringify(value, null, 2)}\n`, mode);
};

export const writePrivate = (path: string, text: string, mode = 0o600): void => {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode });
  // The mode given to writeFileSync is masked by the umask; the key files must be 0600 whatever it is.
  chmodSync(temporary, mode);
  renameSync(temporary, path);
};
