import type { TargetInput } from './template';

/**
 * What an EventBridge rule target receives: the whole event, a constant (`Input`), a part of the event
 * (`InputPath`), or an `InputTransformer` template filled from the event. Pure.
 */
export const targetPayload = (input: TargetInput, event: unknown): unknown => {
  switch (input.kind) {
    case 'event':
      return event;
    case 'constant':
      return JSON.parse(input.json) as unknown;
    case 'path':
      return jsonPath(event, input.path);
    case 'transformer':
      return transform(input.pathsMap, input.template, event);
  }
};

/** EventBridge's JSONPath subset: `$`, `$.a.b`, `$.a[0]`, `$['a-b']`. A missing path gives undefined. */
export const jsonPath = (value: unknown, path: string): unknown => {
  if (!path.startsWith('$')) throw new Error(`InputPath ${path} must start with $`);
  const segments = [...path.slice(1).matchAll(/\.([^.[\]]+)|\[(\d+)\]|\['([^']+)'\]|\["([^"]+)"\]/g)].map(
    (match) => match[1] ?? (match[2] === undefined ? (match[3] ?? match[4]) : Number(match[2])),
  );
  let current = value;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment!];
  }
  return current;
};

/**
 * Fills `<name>` placeholders. Inside a JSON string a placeholder takes the raw text of the value;
 * elsewhere it takes the value as JSON, which is how EventBridge keeps templates valid JSON. `<aws.events.*>`
 * variables give the rule's view of the event.
 */
const transform = (pathsMap: Readonly<Record<string, string>>, template: string, event: unknown): unknown => {
  const values = new Map<string, unknown>(
    Object.entries(pathsMap).map(([name, path]) => [name, jsonPath(event, path)]),
  );
  values.set('aws.events.event', event);
  values.set('aws.events.event.json', event);
  values.set('aws.events.event.ingestion-time', (event as { time?: unknown } | null)?.time);
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const char = template[i]!;
    if (char === '"' && template[i - 1] !== '\\') inString = !inString;
    const placeholder = char === '<' ? /^<([A-Za-z0-9_.-]+)>/.exec(template.slice(i)) : null;
    if (placeholder !== null && values.has(placeholder[1]!)) {
      const value = values.get(placeholder[1]!);
      out += inString
        ? JSON.stringify(typeof value === 'string' ? value : JSON.stringify(value ?? null)).slice(1, -1)
        : JSON.stringify(value ?? null);
      i += placeholder[0].length - 1;
    } else {
      out += char;
    }
  }
  try {
    return JSON.parse(out) as unknown;
  } catch {
    // A template that is not JSON is delivered as a string, as EventBridge does.
    return out;
  }
};
