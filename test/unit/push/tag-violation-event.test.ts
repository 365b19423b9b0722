import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { TAG_VIOLATION, tagViolationEvent, tagViolationEventDetailSchema } from '../../../shared/core/events';

const schema = JSON.parse(
  readFileSync(join(__dirname, '../../../schemas/tag-violation-event.schema.json'), 'utf8'),
) as Record<string, unknown>;
const validateTagViolation = new Ajv2020({ allErrors: true, strict: true, validateFormats: false }).compile(
  schema,
);

const DIGEST = `sha256:${'7'.repeat(64)}`;

describe('tagViolationEvent', () => {
  it('builds a Tollgate Tag Violation that the committed schema accepts', () => {
    const event = tagViolationEvent({
      registry: '123456789012.dkr.ecr.us-west-2.amazonaws.com',
      repository: 'payments/api',
      digest: DIGEST,
      tag: 'latest',
      rule: 'TAG_MOVED',
      action: 'reported',
      previousDigest: `sha256:${'6'.repeat(64)}`,
      message: 'tag "latest" moved',
      detectedAt: '2026-11-16T01:54:35.000Z',
      correlationId: '13cde686-328b-6117-af20-0e5566167482',
    });
    expect(event.detailType).toBe(TAG_VIOLATION);
    expect(event.detail.schemaVersion).toBe('1.0');
    expect(validateTagViolation(event.detail)).toBe(true);
    expect(tagViolationEventDetailSchema.parse(event.detail)).toEqual(event.detail);
  });

  it('the schema refuses a field the contract does not name', () => {
    const detail = {
      ...tagViolationEvent({
        registry: 'r',
        repository: 'payments/api',
        digest: DIGEST,
        rule: 'IMMUTABILITY_NOT_ENFORCED',
        action: 'reported',
        message: 'm',
        detectedAt: '2026-11-16T01:54:35.000Z',
      }).detail,
      surprise: true,
    };
    expect(validateTagViolation(detail)).toBe(false);
  });
});
