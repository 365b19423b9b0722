import { planImmutability, SIGNATURE_TAG_EXCLUSION } from '../../../shared/app/push';

describe('planImmutability', () => {
  const exclusion = { filterType: 'WILDCARD', filter: 'sha256-*' } as const;

  it('keeps sha256-* writable: the exclusion is exactly a WILDCARD sha256-*', () => {
    expect(SIGNATURE_TAG_EXCLUSION).toEqual(exclusion);
  });

  it('leaves a repository that is already IMMUTABLE_WITH_EXCLUSION with sha256-* alone, in both modes', () => {
    const current = { mutability: 'IMMUTABLE_WITH_EXCLUSION', exclusionFilters: [exclusion] } as const;
    expect(planImmutability(current, 'enforce')).toEqual({ kind: 'compliant' });
    expect(planImmutability(current, 'report')).toEqual({ kind: 'compliant' });
  });

  it('enforce: moves a MUTABLE repository to IMMUTABLE_WITH_EXCLUSION', () => {
    const plan = planImmutability({ mutability: 'MUTABLE', exclusionFilters: [] }, 'enforce');
    expect(plan).toEqual({
      kind: 'update',
      target: { mutability: 'IMMUTABLE_WITH_EXCLUSION', exclusionFilters: [exclusion] },
      why: expect.stringContaining('MUTABLE') as string,
    });
  });

  it('enforce: moves plain IMMUTABLE to the exclusion form and says why', () => {
    const plan = planImmutability({ mutability: 'IMMUTABLE', exclusionFilters: [] }, 'enforce');
    expect(plan.kind).toBe('update');
    if (plan.kind !== 'update') return;
    expect(plan.target).toEqual({ mutability: 'IMMUTABLE_WITH_EXCLUSION', exclusionFilters: [exclusion] });
    expect(plan.why).toMatch(/second signature could never be added/);
  });

  it('enforce: keeps the customer’s own exclusion filters and adds sha256-*', () => {
    const own = { filterType: 'WILDCARD', filter: 'dev-*' } as const;
    const plan = planImmutability(
      { mutability: 'IMMUTABLE_WITH_EXCLUSION', exclusionFilters: [own] },
      'enforce',
    );
    expect(plan).toMatchObject({
      kind: 'update',
      target: { mutability: 'IMMUTABLE_WITH_EXCLUSION', exclusionFilters: [own, exclusion] },
    });
  });

  it('enforce: MUTABLE_WITH_EXCLUSION becomes immutable with only sha256-* excluded', () => {
    const plan = planImmutability(
      { mutability: 'MUTABLE_WITH_EXCLUSION', exclusionFilters: [{ filterType: 'WILDCARD', filter: 'v*' }] },
      'enforce',
    );
    expect(plan).toMatchObject({
      kind: 'update',
      target: { mutability: 'IMMUTABLE_WITH_EXCLUSION', exclusionFilters: [exclusion] },
    });
  });

  it.each(['MUTABLE', 'IMMUTABLE', 'MUTABLE_WITH_EXCLUSION'] as const)(
    'report: changes nothing on a %s repository and reports a violation',
    (mutability) => {
      const plan = planImmutability({ mutability, exclusionFilters: [] }, 'report');
      expect(plan).toEqual({ kind: 'violation', message: expect.stringContaining(mutability) as string });
    },
  );
});
