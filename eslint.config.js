// @ts-check
// `npm run lint`: typescript-eslint's type-aware recommended rules over every TypeScript file of
// tsconfig.json. No stylistic rules: the code's layout is left as written.
import { join } from 'node:path';
import { includeIgnoreFile } from '@eslint/compat';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  includeIgnoreFile(join(import.meta.dirname, '.gitignore')),
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Part of recommendedTypeChecked; named so that turning the preset off keeps them: a promise
      // nobody awaits or catches is how a failure goes unseen (or crashes the process).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Fastify plugins are async by contract (that is how Fastify knows one finished) and many
      // classes implement Promise-returning interfaces without awaiting: every one was flagged.
      '@typescript-eslint/require-await': 'off',
      // `const { omitted: _omitted, ...rest } = x` is how a field is left out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    // Tests read untyped JSON bodies and Pulumi's mock inputs (typed `any` by @pulumi/pulumi) and
    // assert on them; the engine tier translates those inputs. The assertions are the check there.
    files: ['**/*.test.ts', '**/*.engine-test.ts', '**/test/**/*.ts', 'infra/engine/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  // This file is plain JavaScript outside tsconfig.json: no type information to lint it with.
  { files: ['**/*.js'], extends: [tseslint.configs.disableTypeChecked] },
);
