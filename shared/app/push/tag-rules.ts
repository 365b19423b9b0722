export interface TagRules {
  readonly forbidden: readonly string[];
  readonly requiredPattern?: string | undefined;
}

export type TagRuleViolation =
  | { readonly rule: 'FORBIDDEN_TAG'; readonly message: string }
  | { readonly rule: 'TAG_PATTERN'; readonly message: string };

/**
 * Judges a tag, never the digest: a bad tag is reported (or removed) but does not reject a digest
 * that other, good tags also name.
 */
export const checkTagRules = (tag: string, rules: TagRules): TagRuleViolation | undefined => {
  if (rules.forbidden.includes(tag)) {
    return { rule: 'FORBIDDEN_TAG', message: `tag "${tag}" is forbidden (${rules.forbidden.join(', ')})` };
  }
  if (rules.requiredPattern !== undefined && !new RegExp(rules.requiredPattern).test(tag)) {
    return {
      rule: 'TAG_PATTERN',
      message: `tag "${tag}" does not match the required pattern ${rules.requiredPattern}`,
    };
  }
  return undefined;
};
