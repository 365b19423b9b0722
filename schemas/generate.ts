/**
 * Writes the JSON Schemas editors validate against (`# yaml-language-server: $schema=…`), generated
 * from the zod schemas the code validates with, so the two cannot disagree.
 * Run: npm run schemas. A unit test fails when a committed file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { configSchema } from '../shared/core/config';
import { tagViolationEventDetailSchema } from '../shared/core/events/tag-violation-event';
import { verdictEventDetailSchema } from '../shared/core/events/verdict-event-schema';
import { policySchema } from '../shared/core/policy';

/** Each committed schema file and the zod schema it is generated from. */
export const GENERATED_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  'config.schema.json': configSchema,
  'policy.schema.json': policySchema,
  'verdict-event.schema.json': verdictEventDetailSchema,
  'tag-violation-event.schema.json': tagViolationEventDetailSchema,
};

/** The file's exact content, formatted as `prettier --check` wants it. */
export const renderSchema = async (file: string): Promise<string> => {
  const schema = GENERATED_SCHEMAS[file];
  if (schema === undefined) throw new Error(`no generated schema named ${file}`);
  const path = join(__dirname, file);
  // The input side: what a person writes, where fields with defaults are optional.
  const json = JSON.stringify(z.toJSONSchema(schema, { io: 'input' }));
  // Loaded here, not at the top: prettier cannot load inside jest, and the drift test needs none of it.
  const { format, resolveConfig } = await import('prettier');
  return format(json, { ...(await resolveConfig(path)), filepath: path });
};

const main = async (): Promise<void> => {
  for (const file of Object.keys(GENERATED_SCHEMAS)) {
    writeFileSync(join(__dirname, file), await renderSchema(file));
    process.stdout.write(`wrote schemas/${file}\n`);
  }
};

if (require.main === module) void main();
