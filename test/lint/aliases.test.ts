// The path aliases are declared once, in tsconfig.base.json, and every tool that resolves imports
// reads them from there: tsc, esbuild (scripts/build.mjs, the bench bundle, the stand-in build),
// Vite (renderer) and vitest. Each alias must land on the same file as the relative path it
// replaces, in each of those tools.
import { join, relative } from 'node:path';
import { build as esbuild } from 'esbuild';
import ts from 'typescript';
import { createServer, build as viteBuild, type Rollup } from 'vite';
import { describe, expect, it } from 'vitest';
import { ErrorCode as byAlias } from '@protocol/error-codes';
import { DesktopErrorCode as contractByAlias } from '@contract/errors';
import { ErrorCode as byPath } from '@protocol/error-codes';
import { DesktopErrorCode as contractByPath } from '@contract/errors';

const ROOT = join(import.meta.dirname, '..', '..');

const probes: Array<[specifier: string, file: string]> = [
  ['@protocol/error-codes', 'remote-agent/src/protocol/error-codes.ts'],
  ['@contract/errors', 'electron/src/contract/errors.ts'],
  ['@common/line-decoder', 'remote-agent/src/common/line-decoder.ts'],
];

describe('path aliases', () => {
  it('resolve in vitest to the very modules the relative paths load', () => {
    expect(byAlias).toBe(byPath);
    expect(contractByAlias).toBe(contractByPath);
  });

  it.each(probes)('tsc resolves %s to %s', (specifier, file) => {
    const config = ts.getParsedCommandLineOfConfigFile(
      join(ROOT, 'tsconfig.tools.json'),
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
    );
    const importer = join(ROOT, 'test/lint/aliases.test.ts');
    const resolved = ts.resolveModuleName(specifier, importer, config!.options, ts.sys);
    expect(relative(ROOT, resolved.resolvedModule?.resolvedFileName ?? '')).toBe(file);
  });

  it.each(probes)(
    'esbuild (as scripts/build.mjs bundles) resolves %s to %s',
    async (specifier, file) => {
      const result = await esbuild({
        stdin: { contents: `export * from '${specifier}';`, resolveDir: ROOT, loader: 'ts' },
        bundle: true,
        write: false,
        metafile: true,
        platform: 'node',
        format: 'cjs',
        logLevel: 'silent',
        absWorkingDir: ROOT,
      });
      expect(Object.keys(result.metafile.inputs)).toContain(file);
    },
  );

  it('resolve in the renderer build (Vite)', async () => {
    const output = (await viteBuild({
      configFile: join(ROOT, 'renderer/vite.config.ts'),
      logLevel: 'silent',
      build: {
        write: false,
        rollupOptions: { input: join(ROOT, 'test/lint/probes/renderer-aliases.ts') },
      },
    })) as Rollup.RollupOutput | Rollup.RollupOutput[];
    const chunk = [output].flat()[0]!.output[0];
    const modules = Object.keys(chunk.modules).map((id) => relative(ROOT, id));
    expect(modules).toContain('remote-agent/src/protocol/error-codes.ts');
    expect(modules).toContain('electron/src/contract/errors.ts');
  });

  it('resolve in the renderer dev server (Vite)', async () => {
    const server = await createServer({
      configFile: join(ROOT, 'renderer/vite.config.ts'),
      logLevel: 'silent',
      server: { middlewareMode: true, ws: false },
    });
    try {
      const importer = join(ROOT, 'renderer/src/api.ts');
      const resolve = (id: string) =>
        server.environments.client.pluginContainer.resolveId(id, importer);
      expect(relative(ROOT, (await resolve('@protocol/error-codes'))?.id ?? '')).toBe(
        'remote-agent/src/protocol/error-codes.ts',
      );
      expect(relative(ROOT, (await resolve('@contract/errors'))?.id ?? '')).toBe(
        'electron/src/contract/errors.ts',
      );
    } finally {
      await server.close();
    }
  });
});
