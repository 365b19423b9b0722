import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import {
  eventEnvelopeSchema,
  EventContract,
  PUBLISHED_EVENT_SCHEMAS,
} from '../../infra/constructs/event-contract';
import { METRIC } from '../../infra/constructs/operations';
import { baseConfig, REPO_ROOT, synth } from '../helpers/stack';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;
const resources = (template: Template, type: string): Resources => template.findResources(type) as Resources;

interface Widget {
  readonly properties: {
    readonly title: string;
    readonly metrics: readonly (readonly unknown[])[];
  };
}

/** The dashboard body, with every CloudFormation token replaced by a placeholder. */
const dashboard = (template: Template): Widget[] => {
  const [body] = Object.values(resources(template, 'AWS::CloudWatch::Dashboard')).map(
    (resource) => resource.Properties!.DashboardBody as { 'Fn::Join': [string, unknown[]] },
  );
  const json = body!['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  return (JSON.parse(json) as { widgets: Widget[] }).widgets;
};
const widget = (widgets: Widget[], title: string): Widget => {
  const found = widgets.find((candidate) => candidate.properties.title === title);
  if (found === undefined) throw new Error(`no widget ${title}`);
  return found;
};
const expressions = (w: Widget): string[] =>
  w.properties.metrics.flatMap((metric) =>
    metric.flatMap((part) =>
      typeof part === 'object' && part !== null && 'expression' in part ? [String(part.expression)] : [],
    ),
  );

describe('Bus archive and schema registry', () => {
  const { template, stack } = synth();

  it('archives every Tollgate event but the derived alerts, for the configured retention', () => {
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('TollgateBus'), 'Arn'] },
      RetentionDays: 365,
      EventPattern: { source: ['tollgate'], 'detail-type': [{ 'anything-but': ['Tollgate Alert'] }] },
    });
  });

  it.each([
    [30, 30],
    // EventBridge reads 0 as "keep forever".
    [0, 0],
  ])('archiveRetentionDays %d gives RetentionDays %d', (days, expected) => {
    const { template: custom } = synth(baseConfig({ archiveRetentionDays: days }));
    const [archive] = Object.values(resources(custom, 'AWS::Events::Archive'));
    expect(archive!.Properties!.RetentionDays).toBe(expected);
  });

  it('registers each committed event schema, wrapped in the event envelope, as JSON Schema draft 4', () => {
    template.hasResourceProperties('AWS::EventSchemas::Registry', { RegistryName: 'tollgate' });
    const registered = Object.values(resources(template, 'AWS::EventSchemas::Schema'));
    const contract = stack.tollgate.eventContract;
    for (const { detailType, file } of PUBLISHED_EVENT_SCHEMAS) {
      const path = join(REPO_ROOT, 'schemas', file);
      const schemaName = `tollgate@${detailType.replace(/\s+/g, '')}`;
      const schema = registered.find((resource) => resource.Properties!.SchemaName === schemaName);
      if (!existsSync(path)) {
        // Not built yet: skipped, and said so at synth.
        expect(schema).toBeUndefined();
        expect(contract.missingSchemas).toContain(file);
        continue;
      }
      expect(schema?.Properties).toMatchObject({
        Type: 'JSONSchemaDraft4',
        RegistryName: { 'Fn::GetAtt': [expect.stringMatching(/EventsRegistry/), 'RegistryName'] },
      });
      const content = JSON.parse(schema!.Properties!.Content as string) as {
        $schema: string;
        properties: Record<string, unknown>;
      };
      expect(content.$schema).toBe('http://json-schema.org/draft-04/schema#');
      expect(content.properties['detail-type']).toEqual({ type: 'string', enum: [detailType] });
      const { $schema: _ignored, ...committed } = JSON.parse(readFileSync(path, 'utf8')) as Record<
        string,
        unknown
      >;
      expect(content.properties.detail).toEqual(committed);
    }
    expect(registered.length + contract.missingSchemas.length).toBe(PUBLISHED_EVENT_SCHEMAS.length);
  });

  it('skips a schema file that does not exist, with a synth warning', () => {
    const app = new App();
    const scoped = new Stack(app, 'S');
    const contract = new EventContract(scoped, 'Events', {
      bus: new events.EventBus(scoped, 'Bus'),
      archiveRetentionDays: 7,
      schemasDir: mkdtempSync(join(tmpdir(), 'tollgate-schemas-')),
    });
    expect(contract.missingSchemas).toEqual(PUBLISHED_EVENT_SCHEMAS.map(({ file }) => file));
    Annotations.fromStack(scoped).hasWarning(
      '*',
      Match.stringLikeRegexp('verdict-event.schema.json does not exist'),
    );
    Template.fromStack(scoped).resourceCountIs('AWS::EventSchemas::Schema', 0);
  });

  it('registers a schema file found in the folder, with definitions moved to the root', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-schemas-'));
    writeFileSync(
      join(dir, 'verdict-event.schema.json'),
      JSON.stringify({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: { image: { $ref: '#/$defs/image' } },
        $defs: { image: { type: 'object' } },
      }),
    );
    const app = new App();
    const scoped = new Stack(app, 'S');
    new EventContract(scoped, 'Events', {
      bus: new events.EventBus(scoped, 'Bus'),
      archiveRetentionDays: 7,
      schemasDir: dir,
    });
    const [schema] = Object.values(resources(Template.fromStack(scoped), 'AWS::EventSchemas::Schema'));
    expect(JSON.parse(schema!.Properties!.Content as string)).toEqual(
      eventEnvelopeSchema('Tollgate Image Verdict', {
        type: 'object',
        properties: { image: { $ref: '#/$defs/image' } },
        $defs: { image: { type: 'object' } },
      }),
    );
    const content = JSON.parse(schema!.Properties!.Content as string) as {
      definitions: unknown;
      properties: { detail: unknown };
    };
    expect(content.definitions).toEqual({ image: { type: 'object' } });
    expect(content.properties.detail).toEqual({
      type: 'object',
      properties: { image: { $ref: '#/definitions/image' } },
    });
  });
});

describe('Operations: dashboard and alarms', () => {
  const { template } = synth();
  const widgets = dashboard(template);
  const functions = Object.keys(resources(template, 'AWS::Lambda::Function'));
  const queues = Object.keys(resources(template, 'AWS::SQS::Queue'));
  const topic = { Ref: Match.stringLikeRegexp('AlertsTopic') };

  it('graphs verdicts over time by outcome, from the Powertools metric', () => {
    expect(expressions(widget(widgets, 'Verdicts by outcome'))).toEqual(
      ['APPROVED', 'REJECTED', 'ERROR', 'REVOKED'].map(
        (outcome) =>
          `SUM(SEARCH('{Tollgate,function,outcome,service} MetricName="Verdicts" outcome="${outcome}"', 'Sum', 300))`,
      ),
    );
  });

  it('graphs the p50 and p95 of push-to-verdict, and scan timeouts', () => {
    expect(expressions(widget(widgets, 'Push to verdict (seconds)'))).toEqual([
      `SEARCH('{Tollgate,function,service} MetricName="PushToVerdictSeconds"', 'p50', 300)`,
      `SEARCH('{Tollgate,function,service} MetricName="PushToVerdictSeconds"', 'p95', 300)`,
    ]);
    expect(expressions(widget(widgets, 'Scan timeouts'))).toEqual([
      `SUM(SEARCH('{Tollgate,function,service} MetricName="ScanTimeouts"', 'Sum', 300))`,
    ]);
    expect(expressions(widget(widgets, 'Signing duration (ms)'))).toHaveLength(2);
    expect(expressions(widget(widgets, 'Events published and failed')).join()).toMatch(
      /EventsPublished.*EventsFailed/,
    );
  });

  it('graphs errors and throttles of every function, and the depth of every dead-letter queue', () => {
    const errors = widget(widgets, 'Function errors').properties.metrics;
    const throttles = widget(widgets, 'Function throttles').properties.metrics;
    const depth = widget(widgets, 'Dead-letter queue depth').properties.metrics;
    expect(errors).toHaveLength(functions.length);
    expect(errors.every((metric) => metric[0] === 'AWS/Lambda' && metric[1] === 'Errors')).toBe(true);
    expect(throttles).toHaveLength(functions.length);
    expect(throttles.every((metric) => metric[1] === 'Throttles')).toBe(true);
    expect(depth).toHaveLength(queues.length);
    expect(depth.every((metric) => metric[1] === 'ApproximateNumberOfMessagesVisible')).toBe(true);
  });

  it('alarms to the alert topic when any dead-letter queue holds a message', () => {
    const alarms = Object.values(resources(template, 'AWS::CloudWatch::Alarm'));
    for (const queue of queues) {
      const watching = alarms.filter(
        (alarm) =>
          alarm.Properties!.MetricName === 'ApproximateNumberOfMessagesVisible' &&
          JSON.stringify(alarm.Properties!.Dimensions).includes(`"${queue}"`),
      );
      expect([queue, watching.length]).toEqual([queue, 1]);
      expect(watching[0]!.Properties).toMatchObject({
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
  });

  it('alarms when more than 1% of any function’s invocations fail', () => {
    for (const fn of functions) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Threshold: 1,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [topic],
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: 'IF(invocations > 0, 100 * errors / invocations, 0)' }),
          Match.objectLike({
            Id: 'errors',
            MetricStat: Match.objectLike({
              Metric: Match.objectLike({
                MetricName: 'Errors',
                Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn } }],
              }),
            }),
          }),
          Match.objectLike({
            Id: 'invocations',
            MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'Invocations' }) }),
          }),
        ]),
      });
    }
  });

  it('alarms on any SCAN_TIMEOUT, whichever function reports it', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 0,
      AlarmActions: [topic],
      Metrics: [
        Match.objectLike({
          Expression: 'SELECT SUM(ScanTimeouts) FROM SCHEMA(Tollgate, "function", service)',
          Period: 300,
        }),
      ],
    });
  });

  it('reads only metric names that a handler emits', () => {
    // The handlers and the helpers they emit through (shared/adapters/runtime): a renamed metric would leave a
    // widget empty without any error, so the names are checked against the code that emits them.
    const sources = [
      ...readdirSync(join(REPO_ROOT, 'functions'), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.ts'))
        .map((file) => join(REPO_ROOT, 'functions', file)),
      ...readdirSync(join(REPO_ROOT, 'shared/adapters/runtime'))
        .filter((file) => file.endsWith('.ts'))
        .map((file) => join(REPO_ROOT, 'shared/adapters/runtime', file)),
    ]
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    for (const name of Object.values(METRIC)) {
      expect({ name, emitted: sources.includes(`addMetric('${name}'`) }).toEqual({ name, emitted: true });
    }
  });

  it('sends every alarm in the stack to the alert topic', () => {
    for (const [id, alarm] of Object.entries(resources(template, 'AWS::CloudWatch::Alarm'))) {
      const actions = alarm.Properties!.AlarmActions as { Ref: string }[];
      expect({ id, toTopic: actions.map((action) => /AlertsTopic/.test(action.Ref)) }).toEqual({
        id,
        toTopic: [true],
      });
    }
  });
});
