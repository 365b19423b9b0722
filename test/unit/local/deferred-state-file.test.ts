import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeferredStateFile } from '../../../local/aws/state-file';

describe('DeferredStateFile: the stand-in state written behind its changes', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-state-'));
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
    rmSync(dir, { recursive: true, force: true });
  });
  const read = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

  it('writes a burst of changes once, with the latest snapshot', () => {
    const path = join(dir, 'ecr', 'state.json');
    const file = new DeferredStateFile(path, () => undefined, 50);
    const built: number[] = [];
    for (const n of [1, 2, 3]) file.changed(() => (built.push(n), { n }));
    expect(existsSync(path)).toBe(false);
    jest.advanceTimersByTime(50);
    expect(read(path)).toEqual({ n: 3 });
    // Only the last snapshot was ever built.
    expect(built).toEqual([3]);
  });

  it('writes at once on flush, and nothing when nothing changed', () => {
    const path = join(dir, 'state.json');
    const file = new DeferredStateFile(path, () => undefined, 50);
    file.flush();
    expect(existsSync(path)).toBe(false);
    file.changed(() => ({ pushed: 1 }));
    file.flush();
    expect(read(path)).toEqual({ pushed: 1 });
    writeFileSync(path, '{"edited":true}');
    jest.advanceTimersByTime(100);
    // The flush took the pending write: the timer writes nothing over it.
    expect(read(path)).toEqual({ edited: true });
  });

  it('reports a failed write and keeps the change pending for the next flush', () => {
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, '');
    const errors: unknown[] = [];
    const file = new DeferredStateFile(join(blocker, 'state.json'), (error) => errors.push(error), 50);
    file.changed(() => ({ n: 1 }));
    jest.advanceTimersByTime(50);
    expect(errors).toHaveLength(1);
    rmSync(blocker);
    file.flush();
    expect(read(join(blocker, 'state.json'))).toEqual({ n: 1 });
  });
});
