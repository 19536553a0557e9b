// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'coverage/', '.sentinel/', 'events/schemas/', 'test-artifacts/', 'scratch-tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': 'off',
    },
  },
  {
    // The web console runs in the browser, with uPlot loaded as a global script.
    files: ['console/**/*.js'],
    languageOptions: { globals: { ...globals.browser, uPlot: 'readonly' } },
  },
  {
    // The pure core: no AWS SDK, no environment, no clock.
    files: ['shared/domain/**/*.ts', 'events/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@aws-sdk/*', 'node:*', '../adapters/*', '../runtime/*'] }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'The domain takes configuration as arguments.' },
        { object: 'Date', property: 'now', message: 'The domain takes time as an argument.' },
      ],
    },
  },
);
