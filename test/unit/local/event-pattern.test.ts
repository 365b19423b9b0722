import {
  InvalidEventPatternError,
  matchesEventPattern,
  validateEventPattern,
  type EventPattern,
} from '../../../local/event-pattern';
import { loadSampleEvent } from '../../helpers/shared-data';

// Cases follow the EventBridge user guide, "Event patterns" and "Content filtering in event patterns".
const push = loadSampleEvent('ecr-image-action-push.json');

const event = (detail: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown => ({
  version: '0',
  id: 'e-1',
  'detail-type': 'Test',
  source: 'test.source',
  account: '123456789012',
  time: '2026-11-16T01:54:34Z',
  region: 'us-west-2',
  resources: ['arn:aws:ecr:us-west-2:123456789012:repository/payments/api'],
  detail,
  ...extra,
});

const matches = (pattern: EventPattern, value: unknown): boolean => matchesEventPattern(pattern, value);

describe('exact values', () => {
  it('matches when every key matches, and an array lists alternatives', () => {
    expect(matches({ source: ['aws.ecr'], 'detail-type': ['ECR Image Action'] }, push)).toBe(true);
    expect(matches({ source: ['aws.ecr'], 'detail-type': ['ECR Image Scan'] }, push)).toBe(false);
    expect(matches({ detail: { 'action-type': ['DELETE', 'PUSH'] } }, push)).toBe(true);
  });

  it('compares JSON types: the string "5" is not the number 5, and numbers compare by value', () => {
    expect(matches({ detail: { n: [5] } }, event({ n: 5 }))).toBe(true);
    expect(matches({ detail: { n: [5] } }, event({ n: '5' }))).toBe(false);
    expect(matches({ detail: { n: ['5'] } }, event({ n: 5 }))).toBe(false);
    expect(matches({ detail: { n: [300] } }, event({ n: 3.0e2 }))).toBe(true);
    expect(matches({ detail: { b: [true] } }, event({ b: true }))).toBe(true);
    expect(matches({ detail: { b: [true] } }, event({ b: 'true' }))).toBe(false);
  });

  it('matches null only against a JSON null, not a missing field', () => {
    expect(matches({ detail: { v: [null] } }, event({ v: null }))).toBe(true);
    expect(matches({ detail: { v: [null] } }, event({}))).toBe(false);
  });

  it('is case-sensitive', () => {
    expect(matches({ source: ['AWS.ECR'] }, push)).toBe(false);
  });

  it('never matches a missing field', () => {
    expect(matches({ detail: { 'image-tag': ['1.4.2'] } }, event({}))).toBe(false);
    expect(matches({ nothere: { deeper: ['x'] } }, push)).toBe(false);
  });

  it('matches an event array when any element matches', () => {
    expect(
      matches({ resources: ['arn:aws:ecr:us-west-2:123456789012:repository/payments/api'] }, event({})),
    ).toBe(true);
    expect(matches({ detail: { tags: ['b'] } }, event({ tags: ['a', 'b'] }))).toBe(true);
    expect(matches({ detail: { tags: ['c'] } }, event({ tags: ['a', 'b'] }))).toBe(false);
  });

  it('flattens arrays of objects, as EventBridge does for Inspector finding resources', () => {
    const finding = event({
      status: 'ACTIVE',
      resources: [
        { type: 'AWS_EC2_INSTANCE', details: {} },
        {
          type: 'AWS_ECR_CONTAINER_IMAGE',
          details: { awsEcrContainerImage: { repositoryName: 'payments/api' } },
        },
      ],
    });
    const pattern = {
      detail: {
        status: ['ACTIVE'],
        resources: {
          type: ['AWS_ECR_CONTAINER_IMAGE'],
          details: { awsEcrContainerImage: { repositoryName: [{ wildcard: 'payments/*' }] } },
        },
      },
    };
    expect(matches(pattern, finding)).toBe(true);
    expect(matches({ detail: { resources: { type: ['AWS_LAMBDA_FUNCTION'] } } }, finding)).toBe(false);
  });

  it('an empty pattern matches every event', () => {
    expect(matches({}, push)).toBe(true);
  });
});

describe('prefix, suffix, equals-ignore-case', () => {
  it('prefix and suffix match strings only', () => {
    expect(matches({ detail: { 'repository-name': [{ prefix: 'payments/' }] } }, push)).toBe(true);
    expect(matches({ detail: { 'repository-name': [{ prefix: 'web/' }] } }, push)).toBe(false);
    expect(matches({ detail: { 'image-tag': [{ suffix: '.2' }] } }, push)).toBe(true);
    expect(matches({ detail: { n: [{ prefix: '1' }] } }, event({ n: 12 }))).toBe(false);
  });

  it('prefix and suffix take an equals-ignore-case operand', () => {
    expect(
      matches({ detail: { r: [{ prefix: { 'equals-ignore-case': 'PAY' } }] } }, event({ r: 'payments' })),
    ).toBe(true);
    expect(
      matches({ detail: { r: [{ suffix: { 'equals-ignore-case': 'ENTS' } }] } }, event({ r: 'payments' })),
    ).toBe(true);
    expect(matches({ detail: { r: [{ prefix: 'PAY' }] } }, event({ r: 'payments' }))).toBe(false);
  });

  it('equals-ignore-case', () => {
    expect(matches({ detail: { r: [{ 'equals-ignore-case': 'PUSH' }] } }, event({ r: 'push' }))).toBe(true);
    expect(matches({ detail: { r: [{ 'equals-ignore-case': 'PUSH' }] } }, event({ r: 'pushed' }))).toBe(
      false,
    );
  });
});

describe('wildcard', () => {
  const wildcard = (text: string, value: string): boolean =>
    matches({ detail: { v: [{ wildcard: text }] } }, event({ v: value }));

  it('* matches any run of characters, including none and slashes', () => {
    expect(wildcard('payments/*', 'payments/api')).toBe(true);
    expect(wildcard('payments/*', 'payments/')).toBe(true);
    expect(wildcard('payments/*', 'payments/api/v2')).toBe(true);
    expect(wildcard('payments/*', 'web/payments/api')).toBe(false);
    expect(wildcard('*/api', 'payments/api')).toBe(true);
    expect(wildcard('a*c*e', 'abcde')).toBe(true);
    expect(wildcard('a*c*e', 'abcd')).toBe(false);
  });

  it('everything else is literal, and \\* escapes a star', () => {
    expect(wildcard('a.c', 'abc')).toBe(false);
    expect(wildcard('a.c', 'a.c')).toBe(true);
    expect(wildcard('a\\*', 'a*')).toBe(true);
    expect(wildcard('a\\*', 'ab')).toBe(false);
  });

  it('matches an ARN the way the Inspector2 Scan rule needs', () => {
    expect(
      wildcard(
        'arn:aws:ecr:*:*:repository/payments/*',
        'arn:aws:ecr:us-west-2:123456789012:repository/payments/api',
      ),
    ).toBe(true);
  });

  it('refuses consecutive stars', () => {
    expect(() => wildcard('a**', 'a')).toThrow(InvalidEventPatternError);
  });
});

describe('anything-but', () => {
  it('takes one value or a list', () => {
    expect(
      matches({ detail: { state: [{ 'anything-but': 'initializing' }] } }, event({ state: 'running' })),
    ).toBe(true);
    expect(
      matches(
        { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
        event({ state: 'stopped' }),
      ),
    ).toBe(false);
    expect(matches({ detail: { n: [{ 'anything-but': [100, 200] }] } }, event({ n: 300 }))).toBe(true);
    expect(matches({ detail: { n: [{ 'anything-but': [100, 200] }] } }, event({ n: 100 }))).toBe(false);
  });

  it('takes prefix, suffix, wildcard and equals-ignore-case', () => {
    expect(
      matches({ detail: { v: [{ 'anything-but': { prefix: 'init' } }] } }, event({ v: 'initializing' })),
    ).toBe(false);
    expect(
      matches({ detail: { v: [{ 'anything-but': { prefix: 'init' } }] } }, event({ v: 'running' })),
    ).toBe(true);
    expect(matches({ detail: { v: [{ 'anything-but': { suffix: '.png' } }] } }, event({ v: 'a.png' }))).toBe(
      false,
    );
    expect(
      matches({ detail: { v: [{ 'anything-but': { wildcard: '*/lib/*' } }] } }, event({ v: 'usr/lib/x' })),
    ).toBe(false);
    expect(
      matches(
        { detail: { v: [{ 'anything-but': { 'equals-ignore-case': ['A', 'B'] } }] } },
        event({ v: 'b' }),
      ),
    ).toBe(false);
  });

  it('does not match a missing field', () => {
    expect(matches({ detail: { state: [{ 'anything-but': 'x' }] } }, event({}))).toBe(false);
  });

  it('the Tollgate archive pattern keeps everything but alerts', () => {
    const pattern = { source: ['tollgate'], 'detail-type': [{ 'anything-but': 'Tollgate Alert' }] };
    expect(matches(pattern, event({}, { source: 'tollgate', 'detail-type': 'Tollgate Image Verdict' }))).toBe(
      true,
    );
    expect(matches(pattern, event({}, { source: 'tollgate', 'detail-type': 'Tollgate Alert' }))).toBe(false);
  });
});

describe('exists', () => {
  it('exists: true needs the field, exists: false needs it absent', () => {
    expect(matches({ detail: { 'image-tag': [{ exists: true }] } }, push)).toBe(true);
    expect(matches({ detail: { 'image-tag': [{ exists: false }] } }, push)).toBe(false);
    expect(matches({ detail: { 'image-tag': [{ exists: false }] } }, event({}))).toBe(true);
    expect(matches({ detail: { 'image-tag': [{ exists: true }] } }, event({}))).toBe(false);
  });

  it('works on leaves only', () => {
    expect(matches({ detail: [{ exists: true }] }, push)).toBe(false);
  });

  it('a null value exists', () => {
    expect(matches({ detail: { v: [{ exists: true }] } }, event({ v: null }))).toBe(true);
  });
});

describe('numeric', () => {
  const numeric = (range: unknown[], value: unknown): boolean =>
    matches({ detail: { c: [{ numeric: range }] } }, event({ c: value }));

  it('compares numbers with one or two bounds', () => {
    expect(numeric(['>', 0, '<=', 5], 5)).toBe(true);
    expect(numeric(['>', 0, '<=', 5], 0)).toBe(false);
    expect(numeric(['>', 0, '<=', 5], 5.01)).toBe(false);
    expect(numeric(['=', 9.5], 9.5)).toBe(true);
    expect(numeric(['>=', 7], 7)).toBe(true);
    expect(numeric(['<', 7], 7)).toBe(false);
  });

  it('ignores strings, even numeric ones', () => {
    expect(numeric(['>', 0], '5')).toBe(false);
  });

  it('refuses an unknown operator', () => {
    expect(() => numeric(['!=', 1], 1)).toThrow(InvalidEventPatternError);
  });
});

describe('cidr', () => {
  it('matches IPv4 addresses inside the block', () => {
    expect(matches({ detail: { ip: [{ cidr: '10.0.0.0/24' }] } }, event({ ip: '10.0.0.255' }))).toBe(true);
    expect(matches({ detail: { ip: [{ cidr: '10.0.0.0/24' }] } }, event({ ip: '10.0.1.0' }))).toBe(false);
  });
});

describe('$or', () => {
  it('matches when any branch does, ANDed with the other keys', () => {
    const pattern = {
      source: ['aws.ecr'],
      detail: { $or: [{ 'image-tag': ['1.4.2'] }, { 'action-type': ['DELETE'] }] },
    };
    expect(matches(pattern, push)).toBe(true);
    expect(matches(pattern, { ...push, source: 'aws.inspector2' })).toBe(false);
    expect(
      matches(pattern, {
        ...push,
        detail: { ...(push.detail as object), 'image-tag': '2', 'action-type': 'PUSH' },
      }),
    ).toBe(false);
  });

  it('works at the top level', () => {
    const pattern = { $or: [{ source: ['aws.inspector2'] }, { 'detail-type': ['ECR Image Action'] }] };
    expect(matches(pattern, push)).toBe(true);
  });
});

describe('validation', () => {
  it.each([
    ['a bare string leaf', { source: 'aws.ecr' }],
    ['an empty array', { source: [] }],
    ['an unknown matcher', { source: [{ regex: 'a.*' }] }],
    ['a matcher with two keys', { source: [{ prefix: 'a', suffix: 'b' }] }],
    ['$or with one branch', { $or: [{ source: ['a'] }] }],
    ['a nested array', { source: [['a']] }],
  ])('refuses %s', (_label, pattern) => {
    expect(() => validateEventPattern(pattern)).toThrow(InvalidEventPatternError);
  });

  it('reports the path of the bad leaf', () => {
    expect(() => validateEventPattern({ detail: { 'repository-name': [{ wildcard: 'a**' }] } })).toThrow(
      /detail\.repository-name/,
    );
  });

  it('accepts what the CDK emits for Tollgate rules', () => {
    expect(
      validateEventPattern({
        source: ['aws.ecr'],
        'detail-type': ['ECR Image Action'],
        detail: {
          'action-type': ['PUSH', 'DELETE'],
          result: ['SUCCESS'],
          'repository-name': [{ wildcard: 'payments/*' }, 'web/frontend'],
        },
      }),
    ).toBeDefined();
  });
});
