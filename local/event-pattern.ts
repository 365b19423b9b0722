import { TerminalError } from '../shared/core/domain/errors';

/**
 * EventBridge event-pattern matching, for the features CDK emits and Tollgate's rules use: exact values
 * (an array is an OR), `prefix`, `suffix`, `equals-ignore-case`, `wildcard`, `anything-but`, `exists`,
 * `numeric`, `cidr` (IPv4), nested keys and `$or`.
 *
 * Semantics follow the EventBridge documentation ("Event patterns", "Content filtering"):
 * - every key of a pattern must match (AND); the values listed for one key are alternatives (OR);
 * - a path through the event crosses arrays: an array in the event matches when any of its elements
 *   does, and arrays of objects are flattened, so `{ resources: { type: [...] } }` looks at the `type`
 *   of every element of `resources`;
 * - a missing field matches nothing except `{ "exists": false }`;
 * - matching is on JSON values: the string `"5"` is not the number `5`, and numbers compare by value.
 *
 * Pure: the local router runs it on the patterns taken from the synthesized template.
 */
export type EventPattern = { readonly [key: string]: unknown };

export class InvalidEventPatternError extends TerminalError {
  public constructor(
    public readonly path: string,
    message: string,
  ) {
    super('INVALID_CONFIG', `event pattern ${path === '' ? '(root)' : path}: ${message}`);
    this.name = 'InvalidEventPatternError';
  }
}

/** Whether `event` (a whole EventBridge envelope) matches `pattern`. Throws for a pattern EventBridge would refuse. */
export const matchesEventPattern = (pattern: EventPattern, event: unknown): boolean =>
  matchObject(pattern, [event], '');

/** Checks a pattern's shape the way PutRule does, without an event. */
export const validateEventPattern = (pattern: unknown): EventPattern => {
  if (!isPlainObject(pattern)) throw new InvalidEventPatternError('', 'must be a JSON object');
  // Matching against nothing visits every key and every matcher, which is exactly the validation.
  matchObject(pattern, [], '', { validateOnly: true });
  return pattern;
};

interface Mode {
  /** Evaluate every branch (no short circuit), so every matcher is checked for shape. */
  readonly validateOnly?: boolean;
}

type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

const matchObject = (
  pattern: EventPattern,
  candidates: readonly unknown[],
  path: string,
  mode: Mode = {},
): boolean => {
  let all = true;
  for (const [key, condition] of Object.entries(pattern)) {
    const here = path === '' ? key : `${path}.${key}`;
    const ok =
      key === '$or'
        ? matchOr(condition, candidates, here, mode)
        : matchField(condition, valuesAt(candidates, key), here, mode);
    if (!ok) {
      if (!mode.validateOnly) return false;
      all = false;
    }
  }
  return all;
};

const matchOr = (condition: unknown, candidates: readonly unknown[], path: string, mode: Mode): boolean => {
  if (!Array.isArray(condition) || condition.length < 2 || !condition.every(isPlainObject)) {
    throw new InvalidEventPatternError(path, '$or takes an array of at least two pattern objects');
  }
  let any = false;
  for (const branch of condition as EventPattern[]) {
    if (matchObject(branch, candidates, path, mode)) {
      any = true;
      if (!mode.validateOnly) return true;
    }
  }
  return any;
};

const matchField = (condition: unknown, values: readonly unknown[], path: string, mode: Mode): boolean => {
  if (isPlainObject(condition)) {
    // A nested pattern: descend into the objects found at this key.
    return matchObject(condition, values, path, mode);
  }
  if (!Array.isArray(condition)) {
    throw new InvalidEventPatternError(path, 'a leaf of a pattern must be an array of values or matchers');
  }
  if (condition.length === 0) throw new InvalidEventPatternError(path, 'an empty array matches nothing');
  let any = false;
  for (const alternative of condition as unknown[]) {
    if (matchAlternative(alternative, values, path)) {
      any = true;
      if (!mode.validateOnly) return true;
    }
  }
  return any;
};

/** The values a key leads to, with arrays flattened; empty when the key is missing. */
const valuesAt = (candidates: readonly unknown[], key: string): unknown[] => {
  const out: unknown[] = [];
  for (const candidate of candidates) {
    if (!isPlainObject(candidate) || !Object.hasOwn(candidate, key)) continue;
    flatten(candidate[key], out);
  }
  return out;
};

const flatten = (value: unknown, out: unknown[]): void => {
  if (Array.isArray(value)) {
    for (const element of value as unknown[]) flatten(element, out);
  } else {
    out.push(value);
  }
};

const matchAlternative = (alternative: unknown, values: readonly unknown[], path: string): boolean => {
  if (!isPlainObject(alternative)) {
    if (alternative !== null && typeof alternative === 'object') {
      throw new InvalidEventPatternError(path, 'arrays cannot be nested in a pattern');
    }
    return values.some((value) => equalJson(alternative as Json, value));
  }
  const keys = Object.keys(alternative);
  const [operator] = keys;
  if (keys.length !== 1 || operator === undefined) {
    throw new InvalidEventPatternError(path, `a matcher has exactly one key, got ${JSON.stringify(keys)}`);
  }
  const operand = alternative[operator];
  switch (operator) {
    case 'exists':
      if (typeof operand !== 'boolean')
        throw new InvalidEventPatternError(path, 'exists takes true or false');
      // Only leaves count: an object where a leaf is expected is not "existing" in EventBridge's sense.
      return operand === values.some((value) => !isPlainObject(value));
    case 'prefix':
      return stringMatcher(path, 'prefix', operand, values, (value, text) => value.startsWith(text));
    case 'suffix':
      return stringMatcher(path, 'suffix', operand, values, (value, text) => value.endsWith(text));
    case 'equals-ignore-case': {
      const text = requireString(path, operator, operand);
      return values.some((value) => typeof value === 'string' && sameIgnoringCase(value, text));
    }
    case 'wildcard': {
      const regex = wildcardRegex(path, requireString(path, operator, operand));
      return values.some((value) => typeof value === 'string' && regex.test(value));
    }
    case 'anything-but':
      return anythingBut(path, operand, values);
    case 'numeric': {
      const test = numericTest(path, operand);
      return values.some((value) => typeof value === 'number' && test(value));
    }
    case 'cidr': {
      const test = cidrTest(path, requireString(path, operator, operand));
      return values.some((value) => typeof value === 'string' && test(value));
    }
    default:
      throw new InvalidEventPatternError(path, `unknown matcher ${JSON.stringify(operator)}`);
  }
};

/** `prefix` and `suffix` take a string, or `{ "equals-ignore-case": string }`. */
const stringMatcher = (
  path: string,
  operator: string,
  operand: unknown,
  values: readonly unknown[],
  test: (value: string, text: string) => boolean,
): boolean => {
  if (isPlainObject(operand)) {
    const text = requireString(path, `${operator}.equals-ignore-case`, operand['equals-ignore-case']);
    if (Object.keys(operand).length !== 1) {
      throw new InvalidEventPatternError(
        path,
        `${operator} takes a string or { "equals-ignore-case": string }`,
      );
    }
    return values.some((value) => typeof value === 'string' && test(value.toLowerCase(), text.toLowerCase()));
  }
  const text = requireString(path, operator, operand);
  return values.some((value) => typeof value === 'string' && test(value, text));
};

/**
 * `anything-but` takes a value, a list of values, or one string matcher (`prefix`, `suffix`, `wildcard`,
 * `equals-ignore-case`). It matches a present value that the inner condition does not; a missing field
 * matches nothing.
 */
const anythingBut = (path: string, operand: unknown, values: readonly unknown[]): boolean => {
  let excluded: (value: unknown) => boolean;
  if (isPlainObject(operand)) {
    const keys = Object.keys(operand);
    const [inner] = keys;
    if (keys.length !== 1 || inner === undefined) {
      throw new InvalidEventPatternError(path, 'anything-but takes one inner matcher');
    }
    if (!['prefix', 'suffix', 'wildcard', 'equals-ignore-case'].includes(inner)) {
      throw new InvalidEventPatternError(path, `anything-but does not support ${JSON.stringify(inner)}`);
    }
    const tests = asList(operand[inner]).map((item): ((value: string) => boolean) => {
      const text = requireString(path, `anything-but.${inner}`, item);
      switch (inner) {
        case 'prefix':
          return (value) => value.startsWith(text);
        case 'suffix':
          return (value) => value.endsWith(text);
        case 'wildcard': {
          const regex = wildcardRegex(path, text);
          return (value) => regex.test(value);
        }
        default:
          return (value) => sameIgnoringCase(value, text);
      }
    });
    excluded = (value) => typeof value === 'string' && tests.some((test) => test(value));
  } else {
    const list = asList(operand);
    if (list.length === 0) throw new InvalidEventPatternError(path, 'anything-but needs at least one value');
    for (const item of list) {
      if (item !== null && typeof item === 'object') {
        throw new InvalidEventPatternError(
          path,
          'anything-but lists only strings, numbers, booleans or null',
        );
      }
    }
    excluded = (value) => list.some((item) => equalJson(item as Json, value));
  }
  return values.some((value) => !isPlainObject(value) && !excluded(value));
};

const NUMERIC_OPERATORS = ['=', '<', '<=', '>', '>='] as const;
type NumericOperator = (typeof NUMERIC_OPERATORS)[number];

const numericTest = (path: string, operand: unknown): ((value: number) => boolean) => {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0) {
    throw new InvalidEventPatternError(path, 'numeric takes [operator, number, ...] pairs');
  }
  const checks: ((value: number) => boolean)[] = [];
  for (let i = 0; i < operand.length; i += 2) {
    const operator = operand[i] as unknown;
    const bound = operand[i + 1] as unknown;
    if (!NUMERIC_OPERATORS.includes(operator as NumericOperator) || typeof bound !== 'number') {
      throw new InvalidEventPatternError(
        path,
        `numeric: expected one of ${NUMERIC_OPERATORS.join(' ')} and a number, got ${JSON.stringify([operator, bound])}`,
      );
    }
    checks.push(compare(operator as NumericOperator, bound));
  }
  return (value) => checks.every((check) => check(value));
};

const compare = (operator: NumericOperator, bound: number): ((value: number) => boolean) => {
  switch (operator) {
    case '=':
      return (value) => value === bound;
    case '<':
      return (value) => value < bound;
    case '<=':
      return (value) => value <= bound;
    case '>':
      return (value) => value > bound;
    case '>=':
      return (value) => value >= bound;
  }
};

const cidrTest = (path: string, cidr: string): ((value: string) => boolean) => {
  const [address, bitsText] = cidr.split('/');
  const network = address === undefined ? undefined : ipv4(address);
  const bits = Number(bitsText);
  if (network === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) {
    throw new InvalidEventPatternError(path, `cidr: ${JSON.stringify(cidr)} is not an IPv4 CIDR block`);
  }
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (value) => {
    const ip = ipv4(value);
    return ip !== undefined && (ip & mask) >>> 0 === (network & mask) >>> 0;
  };
};

const ipv4 = (text: string): number | undefined => {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) {
    return undefined;
  }
  return parts.reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);
};

/** `*` matches any run of characters; `\*` is a literal star and `\\` a literal backslash. */
const wildcardRegex = (path: string, text: string): RegExp => {
  let source = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '\\') {
      const next = text[i + 1];
      if (next !== '*' && next !== '\\') {
        throw new InvalidEventPatternError(path, `wildcard: a backslash escapes only * or \\ in ${text}`);
      }
      source += escapeRegex(next);
      i++;
    } else if (char === '*') {
      if (text[i + 1] === '*') {
        throw new InvalidEventPatternError(path, `wildcard: consecutive * are not allowed in ${text}`);
      }
      source += '.*';
    } else {
      source += escapeRegex(char);
    }
  }
  return new RegExp(`^${source}$`, 's');
};

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const requireString = (path: string, operator: string, operand: unknown): string => {
  if (typeof operand !== 'string') throw new InvalidEventPatternError(path, `${operator} takes a string`);
  return operand;
};

const asList = (operand: unknown): unknown[] => (Array.isArray(operand) ? (operand as unknown[]) : [operand]);

const sameIgnoringCase = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

const equalJson = (expected: Json, actual: unknown): boolean => {
  if (expected === null) return actual === null;
  // Numbers compare by value (EventBridge normalises 3.0e2 and 300); other types must match exactly.
  return typeof expected === typeof actual && expected === actual;
};

const isPlainObject = (value: unknown): value is { readonly [key: string]: unknown } =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
