import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import { tollgatePlugin } from './scripts/eslint/layer-direction.mjs';

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
      // The layers (and the core's purity) are kept by tollgate/layer-direction below.
      'no-restricted-imports': 'off',
    },
  },
  {
    // core ← app ← adapters ← entry points, and a core without SDK or I/O (scripts/eslint, docs/architecture.md).
    files: ['shared/**/*.ts'],
    plugins: { tollgate: tollgatePlugin },
    rules: { 'tollgate/layer-direction': 'error' },
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
