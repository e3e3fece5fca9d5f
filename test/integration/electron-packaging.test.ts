// The packaging config is checked with electron-builder's own validator (its package ships the
// JSON schema, scheme.json) and against the files a build leaves in dist/. Packaging itself
// cannot run here: it downloads Electron and its target tools, which this machine cannot reach.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  validateConfiguration(config: unknown, logger: { isEnabled: boolean }): Promise<void>;
};

interface BuilderConfig {
  files: string[];
  asarUnpack: string[];
  extraResources: Array<{ from: string; to: string }>;
  beforePack: string;
  linux: { target: string[]; icon: string };
  mac: { target: string[]; icon: string };
  win: { target: string[]; icon: string };
  nsis: { installerIcon: string; uninstallerIcon: string };
  appId: string;
  productName: string;
  electronFuses?: Record<string, boolean>;
}

const config = yaml.load(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const at = (path: string) => join(root, path);

function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('electron-builder.yml', () => {
  it("passes electron-builder's own schema", async () => {
    await expect(validateConfiguration(config, { isEnabled: false })).resolves.toBeUndefined();
  });

  it('is checked by a live validator (a misspelt key is refused)', async () => {
    const broken = { ...config, linux: { ...config.linux, targett: ['AppImage'] } };
    await expect(validateConfiguration(broken, { isEnabled: false })).rejects.toThrow(
      /configuration\.linux/,
    );
  });

  it('builds AppImage and deb, dmg and nsis, under one app id', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.appId).toBe('io.ultrabase.desktop');
    expect(config.productName).toBe('Ultrabase');
  });

  it('references only files that exist after `npm run build`', () => {
    const missing: string[] = [];
    for (const pattern of config.files) {
      if (pattern.startsWith('!')) continue;
      const path = pattern.replace(/\/\*\*\/\*$/, '');
      if (!existsSync(at(path))) missing.push(pattern);
    }
    for (const resource of config.extraResources) {
      // The Node runtime is put in place by the beforePack hook (checked below), not by build.
      if (resource.from.startsWith('dist/node-runtime/')) continue;
      if (!existsSync(at(resource.from))) missing.push(resource.from);
    }
    for (const icon of [config.mac.icon, config.win.icon, config.nsis.installerIcon]) {
      if (!existsSync(at(icon))) missing.push(icon);
    }
    if (!existsSync(at(config.beforePack))) missing.push(config.beforePack);
    expect(missing).toEqual([]);
    expect(existsSync(at('dist/renderer/index.html'))).toBe(true);
  });

  it('flips the Electron fuses that would let anyone run the signed binary as Node', async () => {
    // Without these, `ELECTRON_RUN_AS_NODE=1 Ultrabase`, NODE_OPTIONS or --inspect turn the
    // app the keychain trusts into a plain interpreter (security review, finding 12).
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
    // The schema knows the key (a misspelt fuse is refused, so this is not silently ignored).
    const misspelt = { ...config, electronFuses: { ...config.electronFuses, runAsNod: false } };
    await expect(validateConfiguration(misspelt, { isEnabled: false })).rejects.toThrow(
      /electronFuses/,
    );
  });

  it('unpacks keytar’s native module from the asar', () => {
    expect(config.asarUnpack).toContain('node_modules/keytar/**/*.node');
    expect(config.files).toContain('node_modules/keytar/build/Release/keytar.node');
  });

  it('ships the agent bundle where the shell looks for it', () => {
    expect(config.extraResources).toContainEqual({
      from: 'dist/agent/agent.cjs',
      to: 'agent/agent.cjs',
    });
    expect(config.extraResources).toContainEqual({
      from: 'dist/node-runtime/linux-x64/node',
      to: 'node-runtime/linux-x64/node',
    });
  });
});

describe('icons generated from assets/icon.svg', () => {
  it('has the Linux PNG set, each of its named size', () => {
    const dir = at(config.linux.icon);
    const files = readdirSync(dir).filter((name) => name.endsWith('.png'));
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const name of files) {
      const side = Number(name.split('x')[0]);
      expect(pngSize(readFileSync(join(dir, name))), name).toEqual({ width: side, height: side });
    }
    expect(files).toContain('512x512.png');
  });

  it('has a Windows ICO whose entries are PNGs of the sizes they claim, up to 256', () => {
    const ico = readFileSync(at(config.win.icon));
    expect(ico.readUInt16LE(2)).toBe(1);
    const count = ico.readUInt16LE(4);
    const sides: number[] = [];
    for (let i = 0; i < count; i++) {
      const entry = 6 + 16 * i;
      const side = ico.readUInt8(entry) || 256;
      const size = ico.readUInt32LE(entry + 8);
      const offset = ico.readUInt32LE(entry + 12);
      expect(pngSize(ico.subarray(offset, offset + size))).toEqual({ width: side, height: side });
      sides.push(side);
    }
    expect(sides).toEqual([16, 24, 32, 48, 64, 128, 256]);
  });

  it('has a macOS ICNS whose chunks add up and hold PNGs up to 1024', () => {
    const icns = readFileSync(at(config.mac.icon));
    expect(icns.subarray(0, 4).toString('ascii')).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const chunks = new Map<string, number>();
    for (let offset = 8; offset < icns.length;) {
      const type = icns.subarray(offset, offset + 4).toString('ascii');
      const length = icns.readUInt32BE(offset + 4);
      chunks.set(type, pngSize(icns.subarray(offset + 8, offset + length)).width);
      offset += length;
    }
    expect(chunks.get('ic10')).toBe(1024);
    expect(chunks.get('ic09')).toBe(512);
    expect(chunks.get('ic07')).toBe(128);
    expect(chunks.get('ic14')).toBe(512);
  });
});

describe('node runtime for servers (beforePack hook)', () => {
  const out = mkdtempSync(join(tmpdir(), 'ub-runtime-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('puts a runnable Linux x64 node >= 18 where extraResources expects it', () => {
    execFileSync(process.execPath, [at('scripts/node-runtime.mjs'), '--out', out]);
    const node = join(out, 'linux-x64', 'node');
    expect(statSync(node).mode & 0o111).not.toBe(0);
    const version = execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    expect(Number(version.split('.')[0])).toBeGreaterThanOrEqual(18);
  });

  it('refuses a runtime that is not a Linux x64 executable', () => {
    let failure = '';
    try {
      execFileSync(process.execPath, [at('scripts/node-runtime.mjs'), '--out', out], {
        env: { ...process.env, ULTRABASE_NODE_RUNTIME: at('assets/icon.svg') },
        stdio: 'pipe',
      });
    } catch (error) {
      failure = String((error as { stderr?: Buffer }).stderr);
    }
    expect(failure).toMatch(/not a Linux x64 executable/);
  });
});
