import { TagCache } from '../../../local/aws/ecr/tag-cache';
import type { Digest } from '../../../shared/core/domain';

const D1 = `sha256:${'1'.repeat(64)}` as Digest;
const D2 = `sha256:${'2'.repeat(64)}` as Digest;

describe('TagCache: what a tag points to, as the stand-in last read or saw pushed', () => {
  let now = 0;
  const cache = () => new TagCache(() => now, 1_000);
  beforeEach(() => {
    now = 0;
  });

  it('follows a push: the tag points to the digest pushed last', () => {
    const tags = cache();
    tags.set('team/app', 'v1', D1);
    tags.set('team/app', 'v1', D2);
    expect(tags.get('team/app', 'v1')).toBe(D2);
    expect(tags.get('team/other', 'v1')).toBeUndefined();
  });

  it('forgets an entry past its TTL, so a lost notification cannot leave it stale for long', () => {
    const tags = cache();
    tags.set('team/app', 'v1', D1);
    now = 1_000;
    expect(tags.get('team/app', 'v1')).toBe(D1);
    now = 1_001;
    expect(tags.get('team/app', 'v1')).toBeUndefined();
  });

  it('drops the tags a listing no longer has, and every tag of a deleted digest', () => {
    const tags = cache();
    tags.set('team/app', 'v1', D1);
    tags.set('team/app', 'stable', D1);
    tags.set('team/app', 'v2', D2);
    tags.keepOnly('team/app', ['v1', 'v2']);
    expect(tags.get('team/app', 'stable')).toBeUndefined();
    tags.forgetDigest('team/app', D1);
    expect(tags.get('team/app', 'v1')).toBeUndefined();
    expect(tags.get('team/app', 'v2')).toBe(D2);
  });
});
