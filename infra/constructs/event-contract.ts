import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventschemas from 'aws-cdk-lib/aws-eventschemas';
import { Construct } from 'constructs';
import {
  IMAGE_VERDICT,
  TAG_VIOLATION,
  TOLLGATE_ALERT,
  TOLLGATE_SOURCE,
} from '../../shared/core/events/tollgate-detail-types';
import { PROJECT_ROOT } from './tollgate-function';

/** The public events and the committed JSON Schema of each one's detail (docs/events.md). */
export const PUBLISHED_EVENT_SCHEMAS: readonly { readonly detailType: string; readonly file: string }[] = [
  { detailType: IMAGE_VERDICT, file: 'verdict-event.schema.json' },
  { detailType: TAG_VIOLATION, file: 'tag-violation-event.schema.json' },
];

export interface EventContractProps {
  readonly bus: events.EventBus;
  /** How long the archive keeps events; 0 keeps them forever. */
  readonly archiveRetentionDays: number;
  /** @default the repository's schemas/ folder */
  readonly schemasDir?: string;
  /** @default 'tollgate' */
  readonly registryName?: string;
}

/**
 * What makes the bus a contract others can build on: an archive of every Tollgate event, for audit
 * and replay, and a schema registry holding the published JSON Schemas, so consumers can browse them
 * and generate code bindings in the EventBridge console.
 */
export class EventContract extends Construct {
  public readonly archive: events.Archive;
  public readonly registry: eventschemas.CfnRegistry;
  public readonly schemas: readonly eventschemas.CfnSchema[];
  /** Schema files that did not exist at synth, so were not registered. */
  public readonly missingSchemas: readonly string[];

  public constructor(scope: Construct, id: string, props: EventContractProps) {
    super(scope, id);
    this.archive = props.bus.archive('Archive', {
      description: 'Every Tollgate event, for audit and replay (alerts are derived, so left out)',
      // Formatted alerts are left out: they hold nothing the verdict does not, and a replay must not page anyone.
      eventPattern: { source: [TOLLGATE_SOURCE], detailType: events.Match.anythingBut(TOLLGATE_ALERT) },
      ...(props.archiveRetentionDays > 0 ? { retention: Duration.days(props.archiveRetentionDays) } : {}),
    });

    this.registry = new eventschemas.CfnRegistry(this, 'Registry', {
      registryName: props.registryName ?? 'tollgate',
      description: 'Tollgate public events (source tollgate). The same schemas are committed in schemas/.',
    });
    const schemasDir = props.schemasDir ?? join(PROJECT_ROOT, 'schemas');
    const schemas: eventschemas.CfnSchema[] = [];
    const missing: string[] = [];
    for (const { detailType, file } of PUBLISHED_EVENT_SCHEMAS) {
      const path = join(schemasDir, file);
      if (!existsSync(path)) {
        missing.push(file);
        Annotations.of(this).addWarningV2(
          'tollgate:event-schema-missing',
          `schemas/${file} does not exist; the ${detailType} schema is not registered`,
        );
        continue;
      }
      const detail = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      const schema = new eventschemas.CfnSchema(this, detailType.replace(/[^A-Za-z0-9]/g, ''), {
        registryName: this.registry.attrRegistryName,
        // EventBridge's convention for custom events: <source>@<DetailTypeWithoutSpaces>.
        schemaName: `${TOLLGATE_SOURCE}@${detailType.replace(/\s+/g, '')}`,
        type: 'JSONSchemaDraft4',
        description: `${detailType}: the whole event; its detail is schemas/${file}`,
        content: JSON.stringify(eventEnvelopeSchema(detailType, detail)),
      });
      schemas.push(schema);
    }
    this.schemas = schemas;
    this.missingSchemas = missing;
  }
}

/**
 * The registry describes whole events (what a rule or a code binding sees), so the committed detail
 * schema is wrapped in the EventBridge envelope. Definitions move to the root, where draft 4 looks
 * for them, and its `$schema` gives way to the envelope's.
 */
export const eventEnvelopeSchema = (
  detailType: string,
  detailSchema: Record<string, unknown>,
): Record<string, unknown> => {
  const { $schema: _ignored, $defs, definitions, ...detail } = detailSchema;
  const hoisted = { ...(definitions as object | undefined), ...($defs as object | undefined) };
  const body = JSON.parse(JSON.stringify(detail).replaceAll('"#/$defs/', '"#/definitions/')) as unknown;
  return {
    $schema: 'http://json-schema.org/draft-04/schema#',
    title: detailType,
    type: 'object',
    required: ['detail-type', 'source', 'detail'],
    properties: {
      version: { type: 'string' },
      id: { type: 'string' },
      'detail-type': { type: 'string', enum: [detailType] },
      source: { type: 'string', enum: [TOLLGATE_SOURCE] },
      account: { type: 'string' },
      time: { type: 'string', format: 'date-time' },
      region: { type: 'string' },
      resources: { type: 'array', items: { type: 'string' } },
      'replay-name': { type: 'string' },
      detail: body,
    },
    ...(Object.keys(hoisted).length === 0 ? {} : { definitions: hoisted }),
  };
};
