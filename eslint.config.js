import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

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
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'node:dgram',
              message: 'Only src/transport/udp.ts may use node:dgram.',
              allowTypeImports: true,
            },
            {
              name: 'dgram',
              message: 'Only src/transport/udp.ts may use node:dgram.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/transport/udp.ts', 'test/**', 'benchmarks/**', 'scripts/**', 'demo/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Translation is pure: no clock, no environment, no I/O.
    files: ['src/translate/**'],
    rules: {
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
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
