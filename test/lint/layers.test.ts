// The layer map in eslint.config.js, proved with probe sources: each is linted with the real
// configuration as if it sat in a layer's folder, and the layer rule must refuse exactly the
// imports that break a layer. (The rule this replaces let the protocol import `node:fs` and the
// renderer import the agent's daemon code without a word.)
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({
    cwd: ROOT,
    // Probe files do not exist on disk, so they get no type information: only the layer rule.
    ruleFilter: ({ ruleId }) => ruleId === 'layers/imports',
    overrideConfig: {
      languageOptions: { parserOptions: { projectService: false, project: null } },
    },
  });
});

/** The layer refusals for `source` linted as the file `file`. */
async function refusals(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: join(ROOT, file) });
  const messages = result!.messages;
  const other = messages.filter((m) => m.ruleId !== 'layers/imports');
  expect(other, 'a probe must parse and hit no other rule').toEqual([]);
  return messages.map((m) => m.message);
}

type Case = [importer: string, specifier: string];

function layerCases(file: string, refused: string[], allowed: string[]) {
  describe(file, () => {
    it.each(refused.map((s): Case => [file, s]))('%s refuses %s', async (importer, specifier) => {
      const found = await refusals(importer, `import { x } from '${specifier}';\nvoid x;\n`);
      expect(found).toHaveLength(1);
      expect(found[0]).toContain(`'${specifier}'`);
    });
    it.each(allowed.map((s): Case => [file, s]))('%s allows %s', async (importer, specifier) => {
      expect(await refusals(importer, `import { x } from '${specifier}';\nvoid x;\n`)).toEqual([]);
    });
  });
}

describe('layer rule', () => {
  layerCases(
    'remote-agent/src/protocol/probe.ts',
    [
      'node:fs',
      'fs',
      '../../../electron/src/core/desktop',
      '../lifecycle/lifecycle',
      '@common/line-decoder',
      'react',
      '../../../test/rig/hosts',
    ],
    [
      'zod',
      './types',
      '@protocol/error-codes',
      '@contract/errors',
      '../../../electron/src/contract/api',
    ],
  );
  layerCases(
    'electron/src/contract/probe.ts',
    ['node:path', '../core/desktop', 'electron', '../../../remote-agent/src/docker/engine'],
    ['zod', './errors', '@protocol/types', '../../../remote-agent/src/protocol/types'],
  );
  layerCases(
    'remote-agent/src/common/probe.ts',
    ['../lifecycle/lifecycle', '../../../electron/src/core/desktop', 'zod', 'ssh2'],
    [
      'node:fs',
      'fs/promises',
      'node:crypto',
      './atomic-write',
      '@protocol/error-codes',
      '../protocol/error-codes',
    ],
  );
  layerCases(
    'remote-agent/src/lifecycle/probe.ts',
    [
      '../../../electron/src/core/desktop',
      '../../../electron/src/contract/api',
      '../../../renderer/src/api',
      'electron',
      'keytar',
      'ssh2',
      '../../../test/rig/hosts',
    ],
    ['../docker/engine', 'node:child_process', 'zod', '@common/atomic-write', '@protocol/methods'],
  );
  layerCases(
    'electron/src/core/servers/probe.ts',
    [
      'electron',
      '../../main/main',
      '../../preload/bridge',
      '../../../../remote-agent/src/lifecycle/lifecycle',
      '../../../../renderer/src/api',
    ],
    [
      'ssh2',
      'keytar',
      'conf',
      'node:net',
      '../desktop',
      '@contract/api',
      '@protocol/methods',
      '@common/atomic-write',
    ],
  );
  layerCases(
    'electron/src/cli/probe.ts',
    ['electron', '../main/main', '../../../renderer/src/api'],
    ['../core/desktop', '@contract/api', 'node:readline'],
  );
  layerCases(
    'electron/src/main/probe.ts',
    ['../../../renderer/src/api', '../../../remote-agent/src/lifecycle/lifecycle'],
    ['electron', '../core/desktop', '../preload/channels', '@contract/api', 'node:path'],
  );
  layerCases(
    'electron/src/preload/probe.ts',
    ['../core/desktop', 'node:fs', 'ssh2'],
    ['electron', './channels', '../contract/api'],
  );
  layerCases(
    'renderer/src/projects/probe.tsx',
    [
      'node:fs',
      'fs',
      'ssh2',
      'keytar',
      'electron',
      '../../../electron/src/core/desktop',
      '../../../electron/src/main/main',
      '../../../electron/src/preload/bridge',
      '../../../remote-agent/src/lifecycle/lifecycle',
      '@common/atomic-write',
    ],
    [
      'react',
      'zustand',
      '@xterm/xterm',
      '../ui/Badge',
      '@contract/api',
      '../../../electron/src/contract/api',
      '@protocol/types',
    ],
  );

  it('checks every form of import, type-only ones included', async () => {
    const file = 'renderer/src/probe.ts';
    const forms = [
      `import type { X } from 'node:fs';`,
      `export { x } from 'node:fs';`,
      `export * from 'node:fs';`,
      `void import('node:fs');`,
      `const y = require('node:fs');\nvoid y;`,
      `type Z = import('node:fs').Stats;\nexport type { Z };`,
    ];
    for (const form of forms) {
      expect(await refusals(file, `${form}\n`), form).toHaveLength(1);
    }
  });

  it('leaves tests beside the code and files outside every layer alone', async () => {
    const probe = `import { x } from 'node:fs';\nvoid x;\n`;
    expect(await refusals('remote-agent/src/protocol/probe.test.ts', probe)).toEqual([]);
    expect(await refusals('renderer/src/ui/probe.test.tsx', probe)).toEqual([]);
    expect(await refusals('test/integration/probe.ts', probe)).toEqual([]);
    expect(await refusals('scripts/probe.mjs', probe)).toEqual([]);
  });

  it('says which layer refused and what it may import', async () => {
    const [message] = await refusals('remote-agent/src/protocol/probe.ts', `import 'node:fs';\n`);
    expect(message).toBe(
      "The protocol layer may not import 'node:fs' (Node built-in modules); it may import: protocol, contract, zod.",
    );
  });
});
