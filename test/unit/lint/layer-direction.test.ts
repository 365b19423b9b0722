import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

/**
 * The lint rule that keeps the layers of shared/ (core ← app ← adapters ← entry points) is itself tested: an upward
 * import fails, an inward one passes, and a file in no layer fails. It runs ESLint's own Linter on a snippet with
 * the real rule (scripts/eslint/layer-direction.mjs), in a child process because the rule is an ES module.
 */
const ROOT = resolve(__dirname, '../../..');

const lint = (file: string, code: string): { ruleId: string | null; message: string }[] => {
  const script = `
    import { Linter } from 'eslint';
    import tseslint from 'typescript-eslint';
    import { tollgatePlugin } from './scripts/eslint/layer-direction.mjs';
    const linter = new Linter({ configType: 'flat' });
    const messages = linter.verify(process.env.CODE, [{
      files: ['**/*.ts'],
      languageOptions: { parser: tseslint.parser },
      plugins: { tollgate: tollgatePlugin },
      rules: { 'tollgate/layer-direction': 'error' },
    }], { filename: process.env.FILE });
    process.stdout.write(JSON.stringify(messages));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { ...process.env, CODE: code, FILE: join(ROOT, file) },
  });
  return JSON.parse(out.toString()) as { ruleId: string | null; message: string }[];
};

describe('tollgate/layer-direction', () => {
  it.each([
    [
      'the core importing an adapter',
      'shared/core/domain/x.ts',
      "import { DynamoVerdictStore } from '../../adapters/aws/dynamodb';",
    ],
    [
      'the core importing a use case',
      'shared/core/policy/x.ts',
      "import { judgeImage } from '../../app/judge/judge-image';",
    ],
    [
      'the core naming a port type',
      'shared/core/events/x.ts',
      "import type { VerdictStore } from '../../app/ports/verdict-store';",
    ],
    [
      'a use case importing an adapter',
      'shared/app/push/x.ts',
      "import { OciRegistryClient } from '../../adapters/oci/oci-registry-client';",
    ],
    [
      'a re-export that points outward',
      'shared/app/verify/x.ts',
      "export { KmsSigner } from '../../adapters/aws/kms';",
    ],
  ])('fails on %s', (_, file, code) => {
    const messages = lint(file, code);
    expect(messages).toEqual([
      expect.objectContaining({
        ruleId: 'tollgate/layer-direction',
        message: expect.stringMatching(/may not import/) as string,
      }),
    ]);
  });

  it.each([
    [
      'a use case importing the core',
      'shared/app/judge/x.ts',
      "import { evaluate } from '../../core/policy/evaluate';",
    ],
    [
      'an adapter importing a port',
      'shared/adapters/aws/x.ts',
      "import type { VerdictStore } from '../../app/ports/verdict-store';",
    ],
    [
      'a handler importing anything',
      'functions/sign/x.ts',
      "import { KmsSigner } from '../../shared/adapters/aws/kms';",
    ],
    ['a package import', 'shared/core/domain/x.ts', "import { z } from 'zod';"],
  ])('passes %s', (_, file, code) => {
    expect(lint(file, code)).toEqual([]);
  });

  it.each([
    ['the AWS SDK', "import { KMSClient } from '@aws-sdk/client-kms';"],
    ['the file system', "import { readFileSync } from 'node:fs';"],
  ])('fails on the core importing %s', (_, code) => {
    expect(lint('shared/core/findings/x.ts', code)).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/does no I\/O and imports no SDK/) as string,
      }),
    ]);
  });

  it('fails on a file under shared/ that no layer names', () => {
    expect(lint('shared/newfolder/x.ts', 'export const x = 1;')).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/is in no layer/) as string }),
    ]);
  });
});
