import fc from 'fast-check';

/** Fixed so a failure reproduces; FUZZ_SEED overrides it (the seed is in every test name). */
export const FUZZ_SEED = process.env.FUZZ_SEED === undefined ? 424242 : Number(process.env.FUZZ_SEED);
/** At least 10,000 generated cases per target (issue 9). */
export const FUZZ_RUNS = 10_000;

export const fuzzParameters = { seed: FUZZ_SEED, numRuns: FUZZ_RUNS } as const;

export type JsonPath = readonly (string | number)[];

/** Every path into a JSON value, the root excluded: what a mutation can replace or remove. */
export const pathsOf = (value: unknown, prefix: JsonPath = []): JsonPath[] => {
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? (value as unknown[]).map((item, index): [number, unknown] => [index, item])
    : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...pathsOf(child, [...prefix, key])]);
};

const REMOVE = Symbol('remove');

/** A deep copy of `value` with the node at `path` replaced (or removed). */
export const replaceAt = (value: unknown, path: JsonPath, replacement: unknown): unknown => {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy: unknown[] = [...(value as unknown[])];
    if (rest.length === 0 && replacement === REMOVE) copy.splice(head as number, 1);
    else copy[head as number] = replaceAt(copy[head as number], rest, replacement);
    return copy;
  }
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  if (rest.length === 0 && replacement === REMOVE) delete copy[head as string];
  else copy[head as string] = replaceAt(copy[head as string], rest, replacement);
  return copy;
};

/** Values an attacker or a broken producer puts where a field was: wrong types, unicode, huge, empty. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(REMOVE),
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\u202e',
    'APPROVED',
    'CRITICAL',
    'sha256:',
    '../../etc',
    'x'.repeat(5_000),
  ),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

/** A sample with one node replaced by a hostile value; the path comes along for the assertions. */
export const mutated = (
  sample: unknown,
): fc.Arbitrary<{ path: JsonPath; input: unknown; value: unknown }> => {
  const paths = pathsOf(sample);
  return fc
    .record({ path: fc.constantFrom(...paths), value: hostileValue })
    .map(({ path, value }) => ({ path, value, input: replaceAt(sample, path, value) }));
};

/** Whether an error's field names the mutated path, a part of it, or something inside it. */
export const namesPath = (field: string, path: JsonPath): boolean => {
  const dotted = path.map(String).join('.');
  return field === '(root)' || dotted.startsWith(field) || field.startsWith(dotted);
};
