import { fieldPath } from '../domain/field-path';
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { PolicyValidationError, type ValidationIssue } from '../domain/errors';
import {
  exceptionSchema,
  policySchema,
  repositoryOverrideSchema,
  rulesSchema,
  severityLimitsSchema,
  type Policy,
} from './schema';

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
    throw new PolicyValidationError(policyIssues(result.error), { subject: source });
  }
  return { policy: result.data, digest: `sha256:${createHash('sha256').update(text).digest('hex')}` };
};

/**
 * zod reports unknown keys on the object that holds them; a misspelt rule is found faster when the
 * field named is the key itself (`defaults.maxCVSS`), with the spelling it was probably meant to be.
 */
const policyIssues = (error: z.ZodError): ValidationIssue[] =>
  error.issues.flatMap((issue): ValidationIssue[] => {
    if (issue.code !== 'unrecognized_keys') return [{ field: fieldOf(issue.path), message: issue.message }];
    const known = knownKeys(issue.path);
    return issue.keys.map((key) => {
      const suggestion = known.find((candidate) => isLikelyTypo(key, candidate));
      return {
        field: fieldOf([...issue.path, key]),
        message: suggestion === undefined ? 'unknown key' : `unknown key (did you mean ${suggestion}?)`,
      };
    });
  });

// Same spelling as toValidationIssues in shared/core/events, so every error names fields one way.
const fieldOf = fieldPath;

const knownKeys = (path: readonly PropertyKey[]): readonly string[] => {
  if (path.length === 0) return Object.keys(policySchema.shape);
  if (path.at(-1) === 'severityLimits') return Object.keys(severityLimitsSchema.shape);
  if (path[0] === 'exceptions') return Object.keys(exceptionSchema.shape);
  if (path[0] === 'repositories') return Object.keys(repositoryOverrideSchema.shape);
  return Object.keys(rulesSchema.shape);
};

// Case aside, at most two edits apart: `maxCVSS`, `default`, `severityLimit` find their key.
const isLikelyTypo = (written: string, known: string): boolean => {
  const a = written.toLowerCase();
  const b = known.toLowerCase();
  if (Math.abs(a.length - b.length) > 2) return false;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return (previous[b.length] ?? Infinity) <= 2;
};
