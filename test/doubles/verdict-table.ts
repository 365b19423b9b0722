import { isDeepStrictEqual } from 'node:util';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type GetCommandInput,
  type PutCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import type { Digest, ImageRecord } from '../../shared/core/domain';
import { fromItem, imageItemKey, toItem } from '../../shared/adapters/aws/dynamodb/items';

type Item = Record<string, unknown>;
type Names = Readonly<Record<string, string>>;
type Values = Readonly<Record<string, unknown>>;
interface Expressions {
  readonly ConditionExpression?: string | undefined;
  readonly ExpressionAttributeNames?: Names | undefined;
  readonly ExpressionAttributeValues?: Values | undefined;
}

/**
 * The verdict table behind a mocked DynamoDBDocumentClient (aws-sdk-client-mock), so the real DynamoVerdictStore
 * runs against it. It evaluates what the store sends by meaning, as DynamoDB does: the conditions
 * `attribute_exists(path)`, `attribute_not_exists(path)` and `path = :value`; the updates `SET path = :value`,
 * `REMOVE path` and `ADD path :number`; `#names` and dotted paths. Anything else throws, so a new expression in the
 * store fails the tests instead of being half-understood. Items are keyed by `pk` (it determines `sk` in this table)
 * and stored as the marshaller would send them (removeUndefinedValues: no undefined).
 */
export class VerdictTable {
  public readonly items = new Map<string, Item>();

  /** Answers the stub's GetCommand, PutCommand and UpdateCommand from this table. */
  public serve(stub: AwsClientStub<DynamoDBDocumentClient>): this {
    stub.on(GetCommand).callsFake(this.get);
    stub.on(PutCommand).callsFake(this.put);
    stub.on(UpdateCommand).callsFake(this.update);
    return this;
  }

  /** Stores the record as the state a test starts from, unconditionally. */
  public seed(record: ImageRecord): void {
    const item = stored(toItem(record) as unknown as Item);
    this.items.set(String(item.pk), item);
  }

  public record(repository: string, digest: string): ImageRecord | undefined {
    const item = this.items.get(imageItemKey({ repository, digest: digest as Digest }).pk);
    return item === undefined ? undefined : fromItem(structuredClone(item));
  }

  public get = (input: GetCommandInput): Promise<{ Item?: Item }> => {
    const item = this.items.get(keyOf(input.Key));
    return Promise.resolve(item === undefined ? {} : { Item: structuredClone(item) });
  };

  public put = (input: PutCommandInput): Promise<{ Attributes?: Item }> => {
    const item = stored((input.Item ?? {}) as Item);
    const key = keyOf(item);
    const old = this.items.get(key);
    if (!holds(old, input)) return Promise.reject(conditionFailed());
    this.items.set(key, item);
    return Promise.resolve(returned(input.ReturnValues, old, item));
  };

  public update = (input: UpdateCommandInput): Promise<{ Attributes?: Item }> => {
    const key = keyOf(input.Key);
    const old = this.items.get(key);
    if (!holds(old, input)) return Promise.reject(conditionFailed());
    // UpdateItem creates the item when it is absent and the condition allows it.
    const next = structuredClone(old ?? { ...(input.Key as Item) });
    applyUpdate(next, required(input.UpdateExpression, 'UpdateExpression'), names(input), values(input));
    const item = stored(next);
    this.items.set(key, item);
    return Promise.resolve(returned(input.ReturnValues, old, item));
  };

  /**
   * Whether the condition of `input` (a Put or Update) holds on `record`, or on no item when it is undefined, as
   * DynamoDB decides it: for tests that assert what a write requires, not how the store spells it.
   */
  public static conditionHolds(input: Expressions, record: ImageRecord | undefined): boolean {
    return holds(record === undefined ? undefined : stored(toItem(record) as unknown as Item), input);
  }

  /** The attributes an update sets, removes and adds to, names resolved (`verdict`, `verdict.decidedAt`). */
  public static changes(input: UpdateCommandInput): {
    readonly set: readonly string[];
    readonly remove: readonly string[];
    readonly add: readonly string[];
  } {
    const actions = parseUpdate(
      required(input.UpdateExpression, 'UpdateExpression'),
      names(input),
      values(input),
    );
    const of = (keyword: Action['keyword']): string[] =>
      actions.filter((action) => action.keyword === keyword).map((action) => action.path.join('.'));
    return { set: of('SET'), remove: of('REMOVE'), add: of('ADD') };
  }
}

/** Whether the write's condition (none: always) holds on `item` (undefined: no item). */
const holds = (item: Item | undefined, input: Expressions): boolean =>
  input.ConditionExpression === undefined ||
  evaluateCondition(item, input.ConditionExpression, names(input), values(input));

const conditionFailed = (): ConditionalCheckFailedException =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

const unsupported = (what: string, expression: string): Error =>
  new Error(
    `VerdictTable does not understand the ${what} "${expression}"; teach it, as DynamoDB would read it`,
  );

const keyOf = (key: Item | undefined): string => {
  if (typeof key?.pk !== 'string') throw new Error(`VerdictTable: no string pk in ${JSON.stringify(key)}`);
  return key.pk;
};

const required = (value: string | undefined, name: string): string => {
  if (value === undefined) throw new Error(`VerdictTable: ${name} is missing`);
  return value;
};

const names = (input: Expressions): Names => input.ExpressionAttributeNames ?? {};
const values = (input: Expressions): Values => input.ExpressionAttributeValues ?? {};

/** What DynamoDB keeps of an item: no undefined anywhere, and nothing shared with the caller. */
const stored = (item: Item): Item => JSON.parse(JSON.stringify(item)) as Item;

const returned = (
  returnValues: string | undefined,
  old: Item | undefined,
  next: Item,
): { Attributes?: Item } => {
  switch (returnValues ?? 'NONE') {
    case 'NONE':
      return {};
    case 'ALL_OLD':
      return old === undefined ? {} : { Attributes: structuredClone(old) };
    case 'ALL_NEW':
      return { Attributes: structuredClone(next) };
    default:
      throw unsupported('ReturnValues', String(returnValues));
  }
};

/** A document path, `a.b` or `#a.b`, as the list of attribute names it walks. */
const PATH = String.raw`#?[A-Za-z_][A-Za-z0-9_]*(?:\.#?[A-Za-z_][A-Za-z0-9_]*)*`;
const VALUE = String.raw`:[A-Za-z0-9_]+`;

const resolvePath = (path: string, attributeNames: Names): string[] =>
  path.split('.').map((part) => {
    if (!part.startsWith('#')) return part;
    const name = attributeNames[part];
    if (name === undefined) throw new Error(`VerdictTable: ${part} is not in ExpressionAttributeNames`);
    return name;
  });

const resolveValue = (token: string, attributeValues: Values): unknown => {
  if (!(token in attributeValues))
    throw new Error(`VerdictTable: ${token} is not in ExpressionAttributeValues`);
  return attributeValues[token];
};

const read = (item: Item | undefined, path: readonly string[]): unknown => {
  let at: unknown = item;
  for (const name of path) {
    if (typeof at !== 'object' || at === null || !(name in at)) return undefined;
    at = (at as Item)[name];
  }
  return at;
};

const parentOf = (item: Item, path: readonly string[]): { parent: Item; name: string } => {
  let parent = item;
  for (const name of path.slice(0, -1)) {
    const next = parent[name];
    // DynamoDB refuses a path through a missing or non-map attribute ("The document path provided ... is invalid").
    if (typeof next !== 'object' || next === null || Array.isArray(next)) {
      throw new Error(`VerdictTable: the document path ${path.join('.')} is invalid for the item`);
    }
    parent = next as Item;
  }
  return { parent, name: path[path.length - 1]! };
};

const evaluateCondition = (
  item: Item | undefined,
  expression: string,
  attributeNames: Names,
  attributeValues: Values,
): boolean => {
  const text = expression.trim();
  const exists = new RegExp(String.raw`^(attribute_exists|attribute_not_exists)\(\s*(${PATH})\s*\)$`).exec(
    text,
  );
  if (exists !== null) {
    const present = read(item, resolvePath(exists[2]!, attributeNames)) !== undefined;
    return exists[1] === 'attribute_exists' ? present : !present;
  }
  const equals = new RegExp(String.raw`^(${PATH})\s*=\s*(${VALUE})$`).exec(text);
  if (equals !== null) {
    const actual = read(item, resolvePath(equals[1]!, attributeNames));
    return actual !== undefined && isDeepStrictEqual(actual, resolveValue(equals[2]!, attributeValues));
  }
  throw unsupported('condition', expression);
};

interface Action {
  readonly keyword: 'SET' | 'REMOVE' | 'ADD';
  readonly path: readonly string[];
  readonly value?: unknown;
}

/** The actions of an update expression, names and values resolved. Clauses in any order, each keyword once. */
const parseUpdate = (expression: string, attributeNames: Names, attributeValues: Values): Action[] => {
  const [before, ...clauses] = expression.trim().split(/\s*\b(SET|REMOVE|ADD|DELETE)\b\s*/);
  if (before !== '' || clauses.length === 0) throw unsupported('update', expression);
  const seen = new Set<string>();
  const actions: Action[] = [];
  for (let i = 0; i < clauses.length; i += 2) {
    const [keyword, body] = [clauses[i]!, clauses[i + 1] ?? ''];
    if (seen.has(keyword) || body.trim() === '') throw unsupported('update', expression);
    seen.add(keyword);
    for (const action of body.split(',').map((part) => part.trim())) {
      const set = new RegExp(String.raw`^(${PATH})\s*=\s*(${VALUE})$`).exec(action);
      const add = new RegExp(String.raw`^(${PATH})\s+(${VALUE})$`).exec(action);
      if (keyword === 'SET' && set !== null) {
        const value = resolveValue(set[2]!, attributeValues);
        actions.push({ keyword, path: resolvePath(set[1]!, attributeNames), value });
      } else if (keyword === 'REMOVE' && new RegExp(`^${PATH}$`).test(action)) {
        actions.push({ keyword, path: resolvePath(action, attributeNames) });
      } else if (keyword === 'ADD' && add !== null) {
        const value = resolveValue(add[2]!, attributeValues);
        // ADD on sets is DynamoDB's too, but the store adds only numbers.
        if (typeof value !== 'number') throw unsupported('update', expression);
        actions.push({ keyword, path: resolvePath(add[1]!, attributeNames), value });
      } else {
        throw unsupported('update', expression);
      }
    }
  }
  return actions;
};

const applyUpdate = (
  item: Item,
  expression: string,
  attributeNames: Names,
  attributeValues: Values,
): void => {
  for (const action of parseUpdate(expression, attributeNames, attributeValues)) {
    const { parent, name } = parentOf(item, action.path);
    switch (action.keyword) {
      case 'SET':
        parent[name] = structuredClone(action.value);
        break;
      case 'REMOVE':
        delete parent[name];
        break;
      case 'ADD': {
        const current = parent[name] ?? 0;
        if (typeof current !== 'number') throw unsupported('update', expression);
        parent[name] = current + (action.value as number);
        break;
      }
    }
  }
};
