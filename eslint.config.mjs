import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', 'cdk.out/', 'coverage/', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // The domain core must stay free of I/O and the AWS SDK; adapters live in shared/aws and shared/oci.
      'no-restricted-imports': 'off',
    },
  },
  {
    files: [
      'shared/domain/**/*.ts',
      'shared/policy/**/*.ts',
      'shared/events/**/*.ts',
      'shared/signing/payload/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@aws-sdk/*'], message: 'The domain core imports no AWS SDK: use a port.' },
            {
              group: ['node:fs', 'node:fs/*', 'fs', 'node:net', 'node:http', 'node:https'],
              message: 'The domain core does no I/O.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  prettier,
);
