import { EventValidationError, UnknownDetailTypeError } from '../../../shared/core/domain';
import { parseEvent, parseEventTime } from '../../../shared/core/events';
import { loadSampleEvent, sampleEventNames } from '../../helpers/shared-data';

describe('parseEvent on the shared sample events', () => {
  const names = sampleEventNames();

  it('finds the sample events', () => {
    expect(names.length).toBeGreaterThanOrEqual(9);
  });

  it.each(names)('parses %s', (name) => {
    const raw = loadSampleEvent(name);
    const event = parseEvent(raw);
    const detail = raw.detail as Record<string, unknown>;
    expect(event.eventId).toBe(raw.id);
    if (event.kind === 'finding') {
      expect(event.images[0]?.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    } else {
      expect(event.digest).toBe(detail['image-digest']);
      expect(event.repository).not.toMatch(/^arn:/);
    }
  });

  it.each(names)('names the field when %s has a malformed digest', (name) => {
    const raw = structuredClone(loadSampleEvent(name));
    const detail = raw.detail as Record<string, unknown>;
    let field: string;
    if ('image-digest' in detail) {
      detail['image-digest'] = 'sha256:NOT-HEX';
      field = 'detail.image-digest';
    } else {
      detail.severity = 'APOCALYPTIC';
      field = 'detail.severity';
    }
    const error = captureError(() => parseEvent(raw));
    expect(error).toBeInstanceOf(EventValidationError);
    expect((error as EventValidationError).field).toBe(field);
    expect((error as EventValidationError).message).toContain(field);
    expect((error as EventValidationError).retryable).toBe(false);
  });

  it.each(names)('names the field when %s lost its repository', (name) => {
    const raw = structuredClone(loadSampleEvent(name));
    const detail = raw.detail as Record<string, unknown>;
    const key = 'repository-name' in detail ? 'repository-name' : 'resources';
    delete detail[key];
    const error = captureError(() => parseEvent(raw)) as EventValidationError;
    expect(error).toBeInstanceOf(EventValidationError);
    expect(error.field).toBe(`detail.${key}`);
  });
});

describe('normalization', () => {
  it('keeps a push by digest without a tag', () => {
    const event = parseEvent(loadSampleEvent('ecr-image-action-push-untagged.json'));
    expect(event.kind).toBe('image-action');
    expect(event).not.toHaveProperty('tag');
  });

  it('turns the Inspector2 Scan repository ARN into a name', () => {
    const event = parseEvent(loadSampleEvent('inspector2-scan-initial-complete.json'));
    expect(event).toMatchObject({ kind: 'image-scan', scanner: 'INSPECTOR', repository: 'web/frontend' });
    // TOTAL is derived, not a severity.
    expect(event.kind === 'image-scan' && event.severityCounts).toEqual({ CRITICAL: 0, HIGH: 2, MEDIUM: 5 });
  });

  it('turns Inspector timestamps into ISO 8601 and normalizes the finding', () => {
    const event = parseEvent(loadSampleEvent('inspector2-finding-critical.json'));
    if (event.kind !== 'finding') throw new Error('expected a finding event');
    expect(event.updatedAt).toBe('2026-12-02T09:13:58.120Z');
    expect(event.finding).toEqual({
      id: 'CVE-2026-12345',
      severity: 'CRITICAL',
      title: 'CVE-2026-12345 - openssl',
      description: 'A heap overflow in the TLS handshake parser allows remote code execution.',
      cvss: { score: 9.8, version: '3.1' },
      package: { name: 'openssl', version: '3.0.15' },
      fixedInVersion: '3.0.15-1~deb12u2',
      fixAvailable: 'YES',
      exploitAvailable: 'YES',
      sourceUrl: 'https://nvd.nist.gov/vuln/detail/CVE-2026-12345',
    });
  });

  it('marks a replayed event', () => {
    const raw = { ...loadSampleEvent('ecr-image-action-push.json'), 'replay-name': 'audit-2026-11' };
    expect(parseEvent(raw).replayName).toBe('audit-2026-11');
  });
});

describe('bad input', () => {
  it('rejects an unknown detail-type by name', () => {
    const raw = {
      ...loadSampleEvent('ecr-image-action-push.json'),
      'detail-type': 'ECR Pull Through Cache Action',
    };
    const error = captureError(() => parseEvent(raw));
    expect(error).toBeInstanceOf(UnknownDetailTypeError);
    expect((error as UnknownDetailTypeError).field).toBe('detail-type');
  });

  it.each([null, 42, 'text', [], {}])('rejects %p with a typed error', (input) => {
    expect(() => parseEvent(input)).toThrow(EventValidationError);
  });

  it('rejects an impossible Inspector date', () => {
    expect(parseEventTime('Wed Feb 31 09:13:58.120 UTC 2026')).toBeUndefined();
    expect(parseEventTime('yesterday')).toBeUndefined();
  });
});

const captureError = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
};
