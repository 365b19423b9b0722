import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { SHARED_DIR } from './shared-data';

/**
 * Validates resources against an engine's own CustomResourceDefinition (../shared/crds), the way the API server
 * reads its structural `openAPIV3Schema`:
 *
 * - an object field the schema does not declare is an error (what `kubectl apply`, whose field validation is
 *   Strict, reports; the API server would otherwise prune it silently, and the policy would mean less than it
 *   says), except under `x-kubernetes-preserve-unknown-fields: true`, which keeps anything;
 * - `metadata` at the root is ObjectMeta, which the CRD schema leaves to the API server: only `name` is checked;
 * - `x-kubernetes-int-or-string` takes either; `nullable` admits null; `x-kubernetes-list-type: set` items are
 *   unique; formats (int32, date-time, …) are not checked, as the API server mostly does not either.
 *
 * CEL rules (`x-kubernetes-validations`) are not evaluated; none of these CRDs has one on the fields generated.
 */
export interface CrdValidator {
  readonly group: string;
  readonly kind: string;
  readonly versions: readonly string[];
  /** Validation errors as `path: message` lines; empty when the resource is valid. */
  validate(resource: unknown): string[];
}

type Schema = Record<string, unknown>;

export const loadCrd = (file: string): CrdValidator => {
  const documents = parseAllDocuments(readFileSync(join(SHARED_DIR, 'crds', file), 'utf8')).map(
    (document) => document.toJS() as Schema | null,
  );
  const crd = documents.find((document) => document?.kind === 'CustomResourceDefinition');
  if (crd === undefined || crd === null) throw new Error(`${file} holds no CustomResourceDefinition`);
  const spec = crd.spec as {
    group: string;
    names: { kind: string };
    versions: { name: string; served: boolean; schema: { openAPIV3Schema: Schema } }[];
  };
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  const validators = new Map<string, ValidateFunction>(
    spec.versions
      .filter((version) => version.served)
      .map((version) => [version.name, ajv.compile(structural(version.schema.openAPIV3Schema, true))]),
  );
  return {
    group: spec.group,
    kind: spec.names.kind,
    versions: [...validators.keys()],
    validate: (resource) => {
      const { apiVersion, kind } = (resource ?? {}) as { apiVersion?: unknown; kind?: unknown };
      const [group, version] = String(apiVersion).split('/');
      if (group !== spec.group || kind !== spec.names.kind) {
        return [
          `apiVersion/kind ${String(apiVersion)} ${String(kind)} is not ${spec.group} ${spec.names.kind}`,
        ];
      }
      const validator = validators.get(version ?? '');
      if (validator === undefined) return [`version ${String(version)} is not served by ${file}`];
      if (validator(resource)) return [];
      return (validator.errors ?? []).map(describe);
    },
  };
};

const describe = (error: ErrorObject): string => {
  const extra =
    error.keyword === 'additionalProperties'
      ? ` (${String((error.params as { additionalProperty: string }).additionalProperty)})`
      : error.keyword === 'enum'
        ? ` (${JSON.stringify((error.params as { allowedValues: unknown }).allowedValues)})`
        : '';
  return `${error.instancePath || '/'}: ${error.message ?? error.keyword}${extra}`;
};

/** The openAPIV3Schema as a JSON Schema with the API server's structural rules made explicit. */
const structural = (node: Schema, root = false): Schema => {
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-kubernetes-') || key === 'description' || key === 'default') continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, Schema>).map(([name, child]) =>
          root && name === 'metadata'
            ? [name, { type: 'object', properties: { name: { type: 'string' } } }]
            : [name, structural(child)],
        ),
      );
    } else if (key === 'items' || key === 'additionalProperties' || key === 'not') {
      out[key] = typeof value === 'object' && value !== null ? structural(value as Schema) : value;
    } else if (key === 'oneOf' || key === 'anyOf' || key === 'allOf') {
      out[key] = (value as Schema[]).map((child) => structural(child));
    } else {
      out[key] = value;
    }
  }
  if (node['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (node.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  delete out.nullable;
  if (node['x-kubernetes-list-type'] === 'set') out.uniqueItems = true;
  const preserves = node['x-kubernetes-preserve-unknown-fields'] === true;
  const isObject = out.type === 'object';
  if (isObject && !preserves && out.additionalProperties === undefined) {
    // Undeclared fields are refused (inside root metadata too: only the generated `name` is declared there).
    out.additionalProperties = false;
  }
  if (root && isObject) {
    // apiVersion, kind and metadata exist on every resource, whether the CRD's schema spells them out or not.
    out.properties = {
      metadata: { type: 'object', properties: { name: { type: 'string' } } },
      ...(out.properties as Schema),
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
    };
  }
  return out;
};
