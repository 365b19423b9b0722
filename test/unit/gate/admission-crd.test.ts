import { generateKeyPairSync } from 'node:crypto';
import { parse } from 'yaml';
import {
  generateAdmissionPolicy,
  type AdmissionEngine,
  type AdmissionOptions,
} from '../../../shared/adapters/gate';
import { loadCrd, type CrdValidator } from '../../helpers/crd-schema';

/**
 * Every generated policy against the engine's own CRD schema (../shared/crds, as the engines publish them): what
 * the API server would refuse (unknown fields with kubectl's Strict field validation, required fields, types,
 * enums) must never be generated. Connaisseur (Helm values) and Gatekeeper (a constraint whose schema lives in
 * the ConstraintTemplate) have no CRD there.
 */
const PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .publicKey.export({ format: 'pem', type: 'spki' })
  .toString();
const OTHER_PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .publicKey.export({ format: 'pem', type: 'spki' })
  .toString();
const REGISTRY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

const CRDS: Partial<Record<AdmissionEngine, CrdValidator>> = {
  'kyverno-images': loadCrd('kyverno-1.19.0-imagevalidatingpolicies.yaml'),
  kyverno: loadCrd('kyverno-1.19.0-clusterpolicies.yaml'),
  'policy-controller': loadCrd('policy-controller-clusterimagepolicy.yaml'),
};

const ATTESTATION_ENGINES: readonly AdmissionEngine[] = ['kyverno', 'kyverno-images', 'policy-controller'];

const variants = (engine: AdmissionEngine): [string, AdmissionOptions][] => {
  const base: AdmissionOptions = { publicKeyPem: PEM, registry: REGISTRY };
  const list: [string, AdmissionOptions][] = [
    ['defaults', base],
    ['audit, two globs', { ...base, mode: 'audit', repositories: ['payments/*', 'web/frontend'] }],
    ['a named key and a name', { ...base, name: 'team-images', keySource: 'awskms:///alias/x' }],
  ];
  // A key migration: the retired key and the new one, either of which admits.
  list.push(['two keys', { ...base, publicKeyPem: [PEM, OTHER_PEM] }]);
  if (ATTESTATION_ENGINES.includes(engine)) {
    list.push(
      [
        'two keys with the attestation',
        { ...base, publicKeyPem: [PEM, OTHER_PEM], attestation: { maxAgeMs: 86_400_000 } },
      ],
      ['with the attestation', { ...base, attestation: { maxAgeMs: 7 * 86_400_000 } }],
      ['audit with the attestation', { ...base, mode: 'audit', attestation: { maxAgeMs: 3_600_000 } }],
    );
  }
  return list;
};

const cases = (Object.keys(CRDS) as AdmissionEngine[]).flatMap((engine) =>
  variants(engine).map(([name, options]) => [engine, name, options] as const),
);

describe('generated admission policies validate against the engines’ CRDs', () => {
  it.each(cases)('%s (%s)', (engine, _name, options) => {
    const resource: unknown = parse(generateAdmissionPolicy(engine, options));
    expect(CRDS[engine]!.validate(resource)).toEqual([]);
  });
});

describe('the CRD check itself', () => {
  // Each of these is a mistake a generator could make; the check must catch every one, or it proves nothing.
  const valid = parse(
    generateAdmissionPolicy('kyverno-images', { publicKeyPem: PEM, registry: REGISTRY }),
  ) as {
    spec: Record<string, unknown> & {
      attestors: { cosign: Record<string, unknown> & { ctlog: Record<string, unknown> } }[];
      validationActions: string[];
    };
  };
  const ivp = CRDS['kyverno-images']!;
  const edited = (edit: (policy: typeof valid) => void): unknown => {
    const copy = structuredClone(valid);
    edit(copy);
    return copy;
  };

  it('accepts the unedited policy', () => {
    expect(ivp.validate(valid)).toEqual([]);
  });

  it.each([
    [
      'an unknown field',
      (policy: typeof valid) => {
        policy.spec.attestors[0]!.cosign.ctlog.ignoreTlog = true;
      },
      /additional properties \(ignoreTlog\)/,
    ],
    [
      'a value outside the enum',
      (policy: typeof valid) => {
        policy.spec.validationActions = ['Enforce'];
      },
      /allowed values/,
    ],
    [
      'a missing required field',
      (policy: typeof valid) => {
        delete policy.spec.validations;
      },
      /required property 'validations'/,
    ],
    [
      'a wrong type',
      (policy: typeof valid) => {
        policy.spec.attestors[0]!.cosign.ctlog.insecureIgnoreTlog = 'true';
      },
      /must be boolean/,
    ],
    [
      'a field that belongs to another API version',
      (policy: typeof valid) => {
        policy.spec.validationFailureAction = 'Enforce';
      },
      /additional properties \(validationFailureAction\)/,
    ],
  ])('refuses %s', (_name, edit, message) => {
    const errors = ivp.validate(edited(edit));
    expect(errors).not.toEqual([]);
    expect(errors.join('\n')).toMatch(message);
  });

  it('keeps what x-kubernetes-preserve-unknown-fields keeps', () => {
    const clusterPolicy = parse(
      generateAdmissionPolicy('kyverno', {
        publicKeyPem: PEM,
        registry: REGISTRY,
        attestation: { maxAgeMs: 1000 },
      }),
    ) as { spec: { rules: { verifyImages: { attestations: { conditions: unknown[] }[] }[] }[] } };
    // conditions[].all[].value is preserve-unknown-fields in the ClusterPolicy CRD: any JSON passes there.
    const copy = structuredClone(clusterPolicy);
    (
      copy.spec.rules[1]!.verifyImages[0]!.attestations[0]!.conditions[0] as { all: { value: unknown }[] }
    ).all[0]!.value = { any: ['thing'] };
    expect(CRDS.kyverno!.validate(copy)).toEqual([]);
  });
});
