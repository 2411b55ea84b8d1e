/**
 * ESLint flat config for Lintas.
 *
 * typescript-eslint `recommended` (syntax only, not type-checked, so lint stays
 * fast on a 2-core machine) plus the local `lintas` plugin, whose
 * `lintas/layer-imports` rule enforces the import matrix in ARCHITECTURE.md.
 *
 * Flat config does not merge rule options: the block that matches last wins,
 * so the `no-restricted-syntax` lists below are complete sets, not additions.
 */
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';
import layerImports from './eslint-rules/layer-imports.js';

const TS_FILES = ['src/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts', 'eslint-rules/**/*.ts', 'console/**/*.ts', 'console/**/*.tsx'];

/** Translators are pure: clock and randomness are passed in. */
const PURE_DIRS = ['src/controllers/**', 'src/ir/**', 'src/validation/**', 'src/api/**'];

/** Where printing to the console is the point (elsewhere, log through src/observability). */
const CONSOLE_OK = ['src/cli/**', 'bench/**', 'test/**', 'scripts/**'];

const FOCUSED_TESTS = [
  {
    selector: "CallExpression[callee.property.name='only']",
    message: 'Focused test (.only) silently skips the rest of the suite; remove it before committing.',
  },
];

const IMPURE_CALLS = [
  {
    selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
    message: 'Translators are pure: take the clock (`now`) as a parameter instead of calling Date.now().',
  },
  {
    selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
    message: 'Translators are pure: take randomness (a seeded source) as a parameter instead of calling Math.random().',
  },
];

const lintas = {
  meta: { name: 'lintas' },
  rules: { 'layer-imports': layerImports },
};

export default defineConfig([
  globalIgnores(['node_modules/', 'dist/', 'examples/', '**/testdata/**']),

  {
    name: 'lintas/all',
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-restricted-syntax': ['error', ...FOCUSED_TESTS],
    },
  },

  {
    name: 'lintas/typescript',
    files: TS_FILES,
    extends: [js.configs.recommended, tseslint.configs.recommended],
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports' },
      ],
    },
  },

  {
    name: 'lintas/layers',
    files: ['src/**/*.ts'],
    plugins: { lintas },
    rules: { 'lintas/layer-imports': 'error' },
  },

  {
    // The web console is a browser bundle: it may take the server's types (erased at build), never its code.
    name: 'lintas/console-app',
    files: ['console/src/**/*.ts', 'console/src/**/*.tsx'],
    ignores: ['console/src/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(\\.\\./){2,}src/', allowTypeImports: true, message: 'The console bundle imports only types from the server (import type …).' }] },
      ],
    },
  },

  {
    name: 'lintas/pure',
    files: PURE_DIRS,
    rules: { 'no-restricted-syntax': ['error', ...FOCUSED_TESTS, ...IMPURE_CALLS] },
  },

  {
    name: 'lintas/console-ok',
    files: CONSOLE_OK,
    rules: { 'no-console': 'off' },
  },

  {
    name: 'lintas/config-and-rules-js',
    files: ['eslint.config.js', 'eslint-rules/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module' },
  },
]);
