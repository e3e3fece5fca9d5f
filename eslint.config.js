import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import { readFileSync } from 'node:fs';
import layers from './scripts/lint/layers.mjs';

const ROOT = import.meta.dirname;

// What each layer may import, besides its own folder. 'node' is Node's built-in modules,
// 'packages' any npm package its `deny` list does not name.
export const LAYERS = {
  // The wire protocol and the desktop contract: types and schemas every program shares.
  protocol: { folders: ['remote-agent/src/protocol'], allow: ['contract', 'zod'] },
  contract: { folders: ['electron/src/contract'], allow: ['protocol', 'zod'] },
  // Primitives both ends of the wire use (framing, atomic write, Postgres client): Node only.
  common: { folders: ['remote-agent/src/common'], allow: ['protocol', 'node'] },
  // The agent is its own program on the server: no desktop code and no native modules.
  agent: {
    folders: ['remote-agent/src'],
    allow: ['common', 'protocol', 'node', 'packages'],
    deny: ['electron', 'keytar', 'ssh2'],
  },
  // The desktop core and the CLI are plain Node: no Electron, so the CLI runs without it.
  core: {
    folders: ['electron/src/core'],
    allow: ['common', 'protocol', 'contract', 'node', 'packages'],
    deny: ['electron'],
  },
  cli: {
    folders: ['electron/src/cli'],
    allow: ['core', 'common', 'protocol', 'contract', 'node', 'packages'],
    deny: ['electron'],
  },
  // The Electron shell: main hosts the core; the preload only bridges the contract.
  main: {
    folders: ['electron/src/main'],
    allow: ['core', 'preload', 'common', 'protocol', 'contract', 'node', 'packages'],
  },
  preload: { folders: ['electron/src/preload'], allow: ['contract', 'protocol', 'electron'] },
  // The UI sees the core only through the contract (window.ultrabase).
  renderer: {
    folders: ['renderer/src'],
    allow: ['contract', 'protocol', 'packages'],
    deny: ['electron', 'ssh2', 'keytar', 'conf', 'electron-store', 'ws'],
  },
};

/** The path aliases of tsconfig.base.json, as alias -> folder ('@protocol' -> 'remote-agent/…'). */
function aliasFolders() {
  const { paths } = JSON.parse(readFileSync(`${ROOT}/tsconfig.base.json`, 'utf8')).compilerOptions;
  return Object.fromEntries(
    Object.entries(paths).map(([alias, [target]]) => [
      alias.replace(/\/\*$/, ''),
      target.replace(/^\.\//, '').replace(/\/\*$/, ''),
    ]),
  );
}

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  // Type-aware rules: a promise nobody awaits loses its rejection, a promise where a callback
  // expects void runs unobserved, and a switch over a union must name every member (or say
  // `default:` on purpose).
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: ROOT },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
    },
  },
  // Layers (docs/architecture.md): one map of what each folder may import, checked by a local
  // rule (scripts/lint/layers.mjs) and proved by test/lint/layers.test.ts. A file belongs to the
  // layer of the longest folder that holds it; tests beside the code belong to no layer.
  {
    files: ['**/*.{ts,tsx,mts,cts,js,mjs}'],
    plugins: { layers },
    rules: {
      'layers/imports': [
        'error',
        { root: ROOT, aliases: aliasFolders(), ignore: ['\\.test\\.tsx?$'], layers: LAYERS },
      ],
    },
  },
);
