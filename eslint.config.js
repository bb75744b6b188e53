import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

/** Only src/transport/udp.ts touches node:dgram. */
const DGRAM = ['node:dgram', 'dgram'].map((name) => ({
  name,
  message: 'Only src/transport/udp.ts may use node:dgram.',
  allowTypeImports: true,
}));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'benchmarks/node_modules/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', { paths: DGRAM }],
    },
  },
  {
    files: ['src/transport/udp.ts', 'test/**', 'benchmarks/**', 'scripts/**', 'demo/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Translation is pure: no clock, no environment, no I/O. It imports only
    // translation and the pure protocol module (types excepted: src/shared/types.ts).
    files: ['src/translate/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: DGRAM,
          patterns: [
            {
              regex: '^\\.\\./(?!protocol/|shared/types\\.js$)',
              message:
                'src/translate/ imports only src/translate/ and src/protocol/ (both pure); see README "Layout".',
            },
            {
              regex: '^\\.\\./shared/types\\.js$',
              allowTypeImports: true,
              message: 'src/translate/ may import types only from src/shared/types.ts.',
            },
            {
              regex: '^node:',
              allowTypeImports: true,
              message: 'Translation is pure: no Node.js modules.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'Translation is pure: no environment.' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date']",
          message: 'Translation is pure: no clock.',
        },
        {
          selector: "CallExpression[callee.name='Date']",
          message: 'Translation is pure: no clock.',
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Translation is pure: no clock.' },
        { object: 'performance', property: 'now', message: 'Translation is pure: no clock.' },
      ],
    },
  },
  {
    // The protocol module is pure and stands alone: no module of ours, no Node.js module.
    files: ['src/protocol/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: DGRAM,
          patterns: [
            {
              regex: '^\\.\\./',
              message: 'src/protocol/ imports nothing of otel-xray: it is the pure base.',
            },
            { regex: '^node:', message: 'src/protocol/ is pure: no Node.js modules.' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'The protocol module is pure: no environment.' },
      ],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
