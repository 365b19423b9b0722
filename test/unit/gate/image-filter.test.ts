import fc from 'fast-check';
import { generateKeyPairSync } from 'node:crypto';
import { parse } from 'yaml';
import { generateAdmissionPolicy } from '../../../shared/adapters/gate';
import { FUZZ_SEED } from '../fuzz/fuzz-settings';

/**
 * The ImageValidatingPolicy checks signatures only on `variables.tollgateImages`, a regex filter. An image that
 * `matchImageReferences` covers but the filter skips is admitted unchecked (Kyverno 1.17 hands every image to the
 * validations; 1.18+ only the matched ones, and the filter must not drop any of those). So the filter must match
 * exactly what the globs match, no fewer (and no more, or it refuses pods it was not asked about).
 *
 * Kyverno matches the globs with gobwas/glob, compiled without separators (pkg/cel/compiler,
 * CompileMatchImageReference): `*` is any run of any characters. `globMatches` below is that rule, written out
 * independently of the generator, and the filter is run as RegExp: it uses only constructs RE2 reads the same way.
 */
const PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .publicKey.export({ format: 'pem', type: 'spki' })
  .toString();
const REGISTRY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

const globMatches = (glob: string, text: string): boolean => {
  // Classic wildcard matching: reachable[j] = the glob so far matches text[0..j).
  let reachable = Array.from({ length: text.length + 1 }, (_, j) => j === 0);
  for (const char of glob) {
    const next = Array.from({ length: text.length + 1 }, () => false);
    for (let j = 0; j <= text.length; j += 1) {
      if (char === '*') next[j] = reachable[j]! || (j > 0 && next[j - 1]!);
      else next[j] = j > 0 && reachable[j - 1]! && text[j - 1] === char;
    }
    reachable = next;
  }
  return reachable[text.length]!;
};

interface Policy {
  spec: { matchImageReferences: { glob: string }[]; variables: { name: string; expression: string }[] };
}

const policyFor = (repositories: string[]): Policy =>
  parse(
    generateAdmissionPolicy('kyverno-images', { publicKeyPem: PEM, registry: REGISTRY, repositories }),
  ) as Policy;

const filterOf = (policy: Policy): RegExp => {
  const expression = policy.spec.variables.find((variable) => variable.name === 'tollgateImages')!.expression;
  // The CEL raw string r'…' holds the pattern verbatim.
  return new RegExp(/image\.matches\(r'([^']+)'\)/.exec(expression)![1]!);
};

const REPOSITORY_SETS: string[][] = [
  ['*'],
  ['payments/*'],
  ['web/frontend'],
  ['payments/*', 'web/frontend'],
  ['team-*/app', 'a.b/c-d'],
];

describe('the ImageValidatingPolicy image filter matches exactly what matchImageReferences matches', () => {
  it.each(REPOSITORY_SETS.map((set) => [set.join(', '), set] as const))('%s', (_name, repositories) => {
    const policy = policyFor(repositories);
    const globs = policy.spec.matchImageReferences.map((reference) => reference.glob);
    const filter = filterOf(policy);
    // Pieces that make up plausible and implausible image strings, so both sides of the boundary are reached.
    const piece = fc.constantFrom(
      REGISTRY,
      `${REGISTRY}/`,
      'evil.example/',
      'payments',
      'payments/',
      'web/frontend',
      'team-x',
      '/app',
      'a.b/c-d',
      '/',
      ':',
      ':v1',
      '@',
      `@sha256:${'a'.repeat(64)}`,
      '@sha512:abc',
      '-x',
      'X',
      '.',
      '\n',
      ' ',
      '',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const image = pieces.join('');
        const covered = globs.some((glob) => globMatches(glob, image));
        expect(filter.test(image)).toBe(covered);
      }),
      { seed: FUZZ_SEED, numRuns: 500 },
    );
  });

  it('covers the images the globs cover that a narrower, shape-assuming pattern skipped', () => {
    const filter = filterOf(policyFor(['web/frontend']));
    for (const image of [
      `${REGISTRY}/web/frontend:tag/with/slashes`,
      `${REGISTRY}/web/frontend:UPPER+case`,
      `${REGISTRY}/web/frontend@sha512:${'b'.repeat(128)}`,
      `${REGISTRY}/web/frontend:v1\n`,
      `${REGISTRY}/web/frontend@`,
    ]) {
      expect(filter.test(image)).toBe(true);
    }
    expect(filter.test(`${REGISTRY}/web/frontend-x:v1`)).toBe(false);
    expect(filter.test(`x${REGISTRY}/web/frontend:v1`)).toBe(false);
  });
});
