import { checkTagRules } from '../../../shared/app/push';

const SEMVER = '^v?\\d+\\.\\d+\\.\\d+(?:-[0-9A-Za-z.-]+)?$';

describe('checkTagRules', () => {
  it('reports a forbidden tag (the default forbids latest)', () => {
    expect(checkTagRules('latest', { forbidden: ['latest'] })).toEqual({
      rule: 'FORBIDDEN_TAG',
      message: 'tag "latest" is forbidden (latest)',
    });
  });

  it('reports a tag that misses the required pattern', () => {
    expect(checkTagRules('nightly', { forbidden: [], requiredPattern: SEMVER })).toEqual({
      rule: 'TAG_PATTERN',
      message: `tag "nightly" does not match the required pattern ${SEMVER}`,
    });
  });

  it('names the forbidden rule first when a tag breaks both', () => {
    expect(checkTagRules('latest', { forbidden: ['latest'], requiredPattern: SEMVER })?.rule).toBe(
      'FORBIDDEN_TAG',
    );
  });

  it.each(['1.4.2', 'v2.0.0', '3.1.4-rc.1'])('accepts %s', (tag) => {
    expect(checkTagRules(tag, { forbidden: ['latest'], requiredPattern: SEMVER })).toBeUndefined();
  });

  it('accepts any tag when nothing is forbidden and no pattern is set', () => {
    expect(checkTagRules('latest', { forbidden: [] })).toBeUndefined();
  });
});
