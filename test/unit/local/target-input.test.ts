import { jsonPath, targetPayload } from '../../../local/target-input';

const event = {
  id: 'e-1',
  'detail-type': 'ECR Image Action',
  time: '2026-11-16T01:54:34Z',
  detail: { 'repository-name': 'payments/api', 'image-tag': '1.4.2', layers: [{ size: 3 }] },
};

describe('targetPayload', () => {
  it('hands the whole event by default', () => {
    expect(targetPayload({ kind: 'event' }, event)).toBe(event);
  });

  it('hands a constant Input as JSON', () => {
    expect(targetPayload({ kind: 'constant', json: '{"a":1}' }, event)).toEqual({ a: 1 });
  });

  it('hands the part of the event InputPath names', () => {
    expect(targetPayload({ kind: 'path', path: '$.detail' }, event)).toBe(event.detail);
  });

  it('fills an InputTransformer template: raw text inside strings, JSON elsewhere', () => {
    const payload = targetPayload(
      {
        kind: 'transformer',
        pathsMap: { repo: '$.detail.repository-name', layers: '$.detail.layers' },
        template: '{"message": "pushed <repo>", "layers": <layers>, "event": <aws.events.event>}',
      },
      event,
    );
    expect(payload).toEqual({ message: 'pushed payments/api', layers: [{ size: 3 }], event });
  });

  it('delivers a template that is not JSON as a string', () => {
    expect(
      targetPayload(
        { kind: 'transformer', pathsMap: { tag: '$.detail.image-tag' }, template: 'tag <tag>' },
        event,
      ),
    ).toBe('tag "1.4.2"');
  });
});

describe('jsonPath', () => {
  it('walks dotted, indexed and quoted segments', () => {
    expect(jsonPath(event, '$')).toBe(event);
    expect(jsonPath(event, '$.detail.layers[0].size')).toBe(3);
    expect(jsonPath(event, "$['detail-type']")).toBe('ECR Image Action');
    expect(jsonPath(event, '$.detail.missing.deeper')).toBeUndefined();
  });
});
