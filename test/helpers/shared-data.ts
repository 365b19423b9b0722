import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The team's shared folder beside the repository (or TOLLGATE_SHARED_DIR): sample events and conformance vectors. Read-only. */
export const SHARED_DIR = process.env.TOLLGATE_SHARED_DIR ?? resolve(__dirname, '../../../shared');

export const loadSharedJson = <T = unknown>(...path: string[]): T =>
  JSON.parse(readFileSync(join(SHARED_DIR, ...path), 'utf8')) as T;

export const sampleEventNames = (): string[] =>
  readdirSync(join(SHARED_DIR, 'events'))
    .filter((name) => name.endsWith('.json'))
    .sort();

export const loadSampleEvent = (name: string): Record<string, unknown> =>
  loadSharedJson<Record<string, unknown>>('events', name);
