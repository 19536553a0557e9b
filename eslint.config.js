// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Our own layers above a given one, as import paths at any depth. */
const OUTER = ['**/runtime/**', '**/functions/**', '**/local/**', '**/cli/**', '**/infra/**', '**/bench/**', '**/scripts/**', '**/test/**'];
const OURS_ABOVE_DOMAIN = ['**/adapters/**', '**/app/**', '**/connectors/**', ...OUTER];
/** The connectors translate platform payloads into the contract: they may use the contract and the domain, nothing above. */
const OURS_ABOVE_CONNECTORS = ['**/adapters/**', '**/app/**', ...OUTER];
const OURS_ABOVE_CONTRACT = ['**/shared/domain/**', ...OURS_ABOVE_DOMAIN];
const OURS_ABOVE_KERNEL = ['**/events/**', '**/domain/**', ...OURS_ABOVE_DOMAIN];
/** Packages that do I/O or reach the platform. */
const IO = ['node:*', '@aws-sdk/*', '@aws-lambda-powertools/*', '@middy/*', 'aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'aws-lambda'];
/** The clock and the environment: the pure layers take both as arguments. */
const CLOCK_PROPERTIES = [
  { object: 'process', property: 'env', message: 'Take configuration as an argument.' },
  { object: 'Date', property: 'now', message: 'Take time as an argument.' },
  { object: 'performance', property: 'now', message: 'Take time as an argument.' },
  { object: 'Math', property: 'random', message: 'Randomness makes the pure layers unrepeatable: use a seeded generator (shared/domain/random.ts).' },
];
const CLOCK_SYNTAX = [{ selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'new Date() reads the clock: take time as an argument.' }];

/** A layer that imports nothing of `above`, does no I/O and never reads the clock, the environment or chance. */
const pureLayer = (dir, above, message) => ({
  files: [`${dir}/**/*.{ts,js}`],
  rules: {
    'no-restricted-imports': ['error', { patterns: [{ group: [...above, ...IO], message }] }],
    'no-restricted-properties': ['error', ...CLOCK_PROPERTIES],
    'no-restricted-syntax': ['error', ...CLOCK_SYNTAX],
  },
});

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'coverage/', '.sentinel/', 'events/schemas/', 'test-artifacts/', 'scratch-tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The web console runs in the browser, with uPlot loaded as a global script.
    files: ['console/**/*.js'],
    languageOptions: { globals: { ...globals.browser, uPlot: 'readonly' } },
  },
  // The layers (docs/ARCHITECTURE.md, "Layers"): each block says what a layer may not import, at any depth.
  pureLayer('shared/kernel', OURS_ABOVE_KERNEL, 'The kernel (money, instants, business time) depends on nothing of ours and does no I/O.'),
  pureLayer('events', OURS_ABOVE_CONTRACT, 'The event contract depends only on shared/kernel/.'),
  pureLayer('shared/domain', OURS_ABOVE_DOMAIN, 'The domain is pure: it takes time and configuration as arguments and stores nothing.'),
  pureLayer('connectors', OURS_ABOVE_CONNECTORS, 'Connectors are pure translators from platform payloads to the contract: no I/O, no clock.'),
  {
    // Use cases: ports, not adapters; no SDK clients, no environment.
    files: ['shared/app/**/*.{ts,js}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/adapters/**', '**/runtime/**', '**/functions/**', '**/local/**', '**/cli/**', '**/infra/**', '@aws-sdk/*'],
              message: 'Use cases speak to ports (shared/app/ports.ts); the composition root hands them adapters.',
            },
          ],
        },
      ],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Use cases take configuration as arguments.' }],
    },
  },
);
