// Lint keeps the layers apart: the UI never imports tfjs, the engine never imports the UI.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const noTfjs = {
  group: ['@tensorflow/*'],
  message: 'The UI talks to the worker through src/protocol; tfjs lives in the engine and worker.',
};
const noUi = {
  group: ['**/ui/*', 'react', 'react-dom', 'plotly.js-dist-min'],
  message: 'The engine and worker have no DOM and no React.',
};
const noEngine = {
  group: ['**/engine/*', '**/worker/*', '**/cli/*', '**/server/*'],
  message:
    'The UI and protocol reach the engine only through the worker protocol (plain data lives in src/protocol).',
};
const noWorkerOrCli = {
  group: ['**/worker/*', '**/cli/*'],
  message: 'The engine is a pure package: the worker and CLI depend on it, not the other way.',
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.app.json', './tsconfig.worker.json', './tsconfig.node.json'],
        tsconfigRootDir: import.meta.dirname,
      },
      globals: { ...globals.browser, ...globals.node },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['src/ui/**', 'src/main.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          patterns: [noTfjs, noEngine],
        },
      ],
      // no-restricted-imports sees only static imports; a dynamic import() of tfjs is the same leak.
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportExpression[source.value=/^@tensorflow/]',
          message: noTfjs.message,
        },
      ],
    },
  },
  {
    files: ['src/protocol/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [noTfjs, noUi, noEngine],
        },
      ],
    },
  },
  {
    files: ['src/engine/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noUi, noWorkerOrCli] }] },
  },
  {
    files: ['src/worker/**', 'src/cli/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noUi] }] },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
