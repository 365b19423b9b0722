import fc from 'fast-check';
import { eventScope, spokeRepositories } from '../../../shared/core/config/event-scope';
import { validateConfig } from '../../../shared/core/config';
import { imageKey } from '../../../shared/core/domain/image-ref';
import type { Digest } from '../../../shared/core/domain/digest';

const HUB = { account: '123456789012', region: 'us-west-2' };
const config = validateConfig({
  repositories: ['payments/*'],
  organization: {
    id: 'o-a1b2c3d4e5',
    hub: HUB,
    signingKey: { multiRegion: true, replicaRegions: ['eu-west-1'] },
    spokes: [
      { accounts: ['111111111111'], regions: ['us-west-2', 'eu-west-1'] },
      { organizationalUnits: ['ou-ab12-cdef3456'], regions: ['eu-west-1'], repositories: ['team-b/*'] },
    ],
  },
});
const at = (account: string, region: string, repository: string) =>
  eventScope(config, { account, region, repository });

describe('eventScope: whose image an event is about', () => {
  it("the hub's own account and region: the hub's", () => {
    expect(at(HUB.account, HUB.region, 'payments/api')).toEqual({ kind: 'hub' });
  });

  it('a listed spoke, in one of its regions, for a covered repository', () => {
    expect(at('111111111111', 'eu-west-1', 'payments/api')).toEqual({
      kind: 'spoke',
      scope: { account: '111111111111', region: 'eu-west-1' },
    });
  });

  it('a listed spoke is held to its own entry, not to an OU entry in the same region', () => {
    expect(at('111111111111', 'eu-west-1', 'team-b/app')).toMatchObject({ kind: 'outside' });
  });

  it("an account under an OU entry: that entry's repositories, in that entry's regions", () => {
    expect(at('333333333333', 'eu-west-1', 'team-b/app')).toMatchObject({ kind: 'spoke' });
    expect(at('333333333333', 'eu-west-1', 'payments/api')).toMatchObject({ kind: 'outside' });
    expect(at('333333333333', 'us-west-2', 'team-b/app')).toEqual({
      kind: 'outside',
      reason: '333333333333 in us-west-2 is not a spoke of this hub',
    });
  });

  it("the hub's account in another region is not the hub", () => {
    expect(at(HUB.account, 'eu-west-1', 'payments/api')).toMatchObject({ kind: 'outside' });
  });

  it('without an organization every event is the hub’s (its rules take its own account only)', () => {
    const single = validateConfig({ repositories: ['payments/*'] });
    expect(eventScope(single, { account: '999999999999', region: 'eu-west-1', repository: 'x' })).toEqual({
      kind: 'hub',
    });
  });

  it('spokeRepositories: the entry’s own globs, or the hub’s', () => {
    expect(spokeRepositories(config, { account: '111111111111', region: 'us-west-2' })).toEqual([
      'payments/*',
    ]);
    expect(spokeRepositories(config, { account: '333333333333', region: 'eu-west-1' })).toEqual(['team-b/*']);
    expect(spokeRepositories(config, { account: '333333333333', region: 'us-west-2' })).toEqual([]);
  });
});

describe('imageKey: a spoke image never shares a key with another image', () => {
  const digest = `sha256:${'a'.repeat(64)}` as Digest;
  const repository = fc.stringMatching(/^[a-z0-9][a-z0-9._/-]{0,30}$/);
  const account = fc.stringMatching(/^\d{12}$/);
  const region = fc.constantFrom('us-west-2', 'eu-west-1', 'ap-southeast-2');

  it('differs between two scopes, and between the hub and any spoke, whatever the repository names', () => {
    fc.assert(
      fc.property(repository, repository, account, region, account, region, (r1, r2, a1, g1, a2, g2) => {
        const hub = imageKey({ repository: r1, digest });
        const spoke = imageKey({ repository: r2, digest, scope: { account: a1, region: g1 } });
        const other = imageKey({ repository: r2, digest, scope: { account: a2, region: g2 } });
        expect(hub).not.toBe(spoke);
        if (a1 !== a2 || g1 !== g2) expect(spoke).not.toBe(other);
      }),
    );
  });
});
