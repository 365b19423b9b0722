/**
 * JSON.parse, except that a duplicate key anywhere is an error. Signed payloads are read this way because two
 * parsers that disagree on which duplicate wins let one signature mean two things (containers/image does the same).
 */
export const parseStrictJson = (text: string): unknown => {
  const parser = new StrictParser(text);
  const value = parser.value();
  parser.end();
  return value;
};

export class StrictJsonError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'StrictJsonError';
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// eslint-disable-next-line no-control-regex -- JSON forbids raw control characters in strings; so do we
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const LITERAL = /true|false|null/y;

class StrictParser {
  #at = 0;

  public constructor(private readonly text: string) {}

  public value(): unknown {
    this.space();
    const char = this.text[this.#at];
    if (char === '{') return this.object();
    if (char === '[') return this.array();
    if (char === '"') return this.string();
    return JSON.parse(this.match(char === 't' || char === 'f' || char === 'n' ? LITERAL : NUMBER)) as unknown;
  }

  public end(): void {
    this.space();
    if (this.#at !== this.text.length) this.fail('unexpected trailing data');
  }

  private object(): Record<string, unknown> {
    this.#at += 1;
    const result: Record<string, unknown> = {};
    const seen = new Set<string>();
    this.space();
    if (this.text[this.#at] === '}') {
      this.#at += 1;
      return result;
    }
    for (;;) {
      this.space();
      const key = this.string();
      if (seen.has(key)) this.fail(`duplicate key ${JSON.stringify(key)}`);
      seen.add(key);
      this.expect(':');
      Object.defineProperty(result, key, {
        value: this.value(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      if (this.separator('}')) return result;
    }
  }

  private array(): unknown[] {
    this.#at += 1;
    const result: unknown[] = [];
    this.space();
    if (this.text[this.#at] === ']') {
      this.#at += 1;
      return result;
    }
    for (;;) {
      result.push(this.value());
      if (this.separator(']')) return result;
    }
  }

  private string(): string {
    return JSON.parse(this.match(STRING)) as string;
  }

  /** Consumes `,` (returns false) or `close` (returns true). */
  private separator(close: string): boolean {
    this.space();
    const char = this.text[this.#at];
    this.#at += 1;
    if (char === ',') return false;
    if (char === close) return true;
    return this.fail(`expected , or ${close}`);
  }

  private expect(char: string): void {
    this.space();
    if (this.text[this.#at] !== char) this.fail(`expected ${char}`);
    this.#at += 1;
  }

  private match(pattern: RegExp): string {
    pattern.lastIndex = this.#at;
    const found = pattern.exec(this.text);
    if (found === null) return this.fail('unexpected token');
    this.#at += found[0].length;
    return found[0];
  }

  private space(): void {
    while (/[ \t\n\r]/.test(this.text[this.#at] ?? '')) this.#at += 1;
  }

  private fail(message: string): never {
    throw new StrictJsonError(`${message} at offset ${this.#at}`);
  }
}
