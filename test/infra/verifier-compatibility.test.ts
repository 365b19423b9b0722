import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { baseConfig, synth } from '../helpers/stack';

/**
 * A configuration without cosign-legacy is legal (a cluster that only runs cosign v3 or a Kyverno
 * ImageValidatingPolicy reads the bundles), but Connaisseur, policy-controller with a key, Kyverno's Cosign type,
 * cosign up to 2.6.2 and containers/image then refuse every image: synth says so, naming them.
 */
const warningsFor = (formats: string[] | undefined) => {
  const config = formats === undefined ? baseConfig() : baseConfig({ signatures: { formats } as never });
  return Annotations.fromStack(synth(config).stack).findWarning('*', Match.anyValue());
};

const text = (warnings: ReturnType<typeof warningsFor>): string =>
  warnings.map((warning) => JSON.stringify(warning.entry.data)).join('\n');

describe('synth warnings about the verifiers a format choice leaves out', () => {
  it('warns without cosign-legacy, naming every engine that reads only the .sig', () => {
    const warnings = text(warningsFor(['sigstore-bundle', 'vuln-attestation']));
    expect(warnings).toMatch(/no cosign-legacy/);
    for (const engine of [
      'Connaisseur',
      'policy-controller',
      'Kyverno ClusterPolicy verifyImages type: Cosign',
      'cosign 2.x up to 2.6.2',
      'containers/image',
    ]) {
      expect(warnings).toContain(engine);
    }
  });

  it('warns when nothing is signed at all', () => {
    expect(text(warningsFor([]))).toMatch(/signs nothing/);
  });

  it('says nothing for the default formats, or any choice that keeps cosign-legacy', () => {
    expect(text(warningsFor(undefined))).not.toMatch(/cosign-legacy|signs nothing/);
    expect(text(warningsFor(['cosign-legacy']))).not.toMatch(/cosign-legacy|signs nothing/);
  });
});
