import { createHash } from 'node:crypto';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { PolicyValidationError } from '../domain/errors';
import { toValidationIssues } from '../events/parse';
import { policySchema, type Policy } from './schema';

export interface LoadedPolicy {
  readonly policy: Policy;
  /** `sha256:<hex>` of the exact document bytes, recorded in every verdict. */
  readonly digest: string;
}

/**
 * Parses and validates a policy document (YAML or JSON). Pure: the caller reads the file,
 * so the same code validates at `cdk synth`, in the CLI and in a Lambda container.
 * @throws PolicyValidationError naming the field path.
 */
export const parsePolicy = (text: string, source = 'policy'): LoadedPolicy => {
  let raw: unknown;
  try {
    raw = parseYaml(text, { schema: 'core' });
  } catch (error) {
    const message = error instanceof YAMLParseError ? error.message : String(error);
    throw new PolicyValidationError([{ field: '(root)', message: `not valid YAML: ${message}` }], {
      cause: error,
      subject: source,
    });
  }
  const result = policySchema.safeParse(raw ?? {});
  if (!result.success) {
    throw new PolicyValidationError(toValidationIssues(result.error), { subject: source });
  }
  return { policy: result.data, digest: `sha256:${createHash('sha256').update(text).digest('hex')}` };
};
