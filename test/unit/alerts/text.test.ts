import { asciiSubject, oneLine, SNS_SUBJECT_MAX } from '../../../shared/app/alerts';
import { clean, defang, truncate } from '../../../shared/core/alerts/text';

describe('oneLine', () => {
  it('turns line breaks, controls, bidi overrides and zero-width characters into single spaces', () => {
    expect(oneLine('a\r\nb\tc\u0000d\u202ee\u2028f\u200bg\ufeffh\u0085i')).toBe('a b c d e f g h i');
  });

  it('keeps ordinary Unicode', () => {
    expect(oneLine('  café — ünïcode 🚀  ')).toBe('café — ünïcode 🚀');
  });
});

describe('truncate and clean', () => {
  it('cuts by code point and marks the cut', () => {
    expect(truncate('🚀🚀🚀🚀', 3)).toBe('🚀🚀…');
    expect(truncate('abc', 3)).toBe('abc');
    expect(clean('a\nb'.repeat(10), 5)).toBe('a ba…');
  });
});

describe('asciiSubject', () => {
  it('is one ASCII line SNS accepts', () => {
    expect(asciiSubject('Tollgate REJECTED café/app:1.0\r\nBcc: x@example.com')).toBe(
      'Tollgate REJECTED cafe/app:1.0 Bcc: x@example.com',
    );
    expect(asciiSubject('Tollgate 🚀 tag')).toBe('Tollgate ? tag');
  });

  it('stays under 100 characters', () => {
    const subject = asciiSubject(`Tollgate REJECTED ${'a'.repeat(300)}`);
    expect(subject).toHaveLength(SNS_SUBJECT_MAX);
    expect(subject.endsWith('...')).toBe(true);
  });

  it('never starts with a space or is empty', () => {
    expect(asciiSubject('\r\n  \u0000')).toBe('Tollgate alert');
    expect(asciiSubject('\n x')).toBe('x');
  });
});

describe('defang', () => {
  it('breaks every scheme separator', () => {
    expect(defang('https://a and ftp://b')).toBe('https[:]//a and ftp[:]//b');
  });
});
