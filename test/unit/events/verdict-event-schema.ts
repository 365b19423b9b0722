import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';

/** The committed JSON Schema of the `Tollgate Image Verdict` detail: the contract downstream teams read. */
export const VERDICT_EVENT_SCHEMA = JSON.parse(
  readFileSync(join(__dirname, '../../../schemas/verdict-event.schema.json'), 'utf8'),
) as Record<string, unknown>;

// Formats are checked by the patterns zod writes beside them; `format` itself stays an annotation.
export const validateVerdictEvent = new Ajv2020({
  allErrors: true,
  strict: true,
  validateFormats: false,
}).compile(VERDICT_EVENT_SCHEMA);

/** Fails the test, naming each violation, unless `detail` validates against the committed schema. */
export const expectValidVerdictEvent = (detail: unknown): void => {
  const valid = validateVerdictEvent(detail);
  expect(validateVerdictEvent.errors ?? []).toEqual([]);
  expect(valid).toBe(true);
};
