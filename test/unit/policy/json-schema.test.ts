import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { GENERATED_SCHEMAS } from '../../../schemas/generate';

describe('committed JSON Schemas', () => {
  it.each(Object.keys(GENERATED_SCHEMAS))('%s is what `npx tsx schemas/generate.ts` writes', (file) => {
    const committed: unknown = JSON.parse(readFileSync(join(__dirname, '../../../schemas', file), 'utf8'));
    const schema = GENERATED_SCHEMAS[file]!;
    // Compared as data: formatting is prettier's business, drift is this test's.
    expect(committed).toEqual(z.toJSONSchema(schema, { io: 'input' }));
  });

  it('refuses unknown keys and requires an exception reason, as the parser does', () => {
    const committed = JSON.parse(
      readFileSync(join(__dirname, '../../../schemas/policy.schema.json'), 'utf8'),
    ) as {
      additionalProperties: boolean;
      properties: { exceptions: { items: { required: string[]; additionalProperties: boolean } } };
    };
    expect(committed.additionalProperties).toBe(false);
    expect(committed.properties.exceptions.items.additionalProperties).toBe(false);
    expect(committed.properties.exceptions.items.required).toEqual(
      expect.arrayContaining(['id', 'reason', 'expires']),
    );
  });
});
