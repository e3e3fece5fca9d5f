import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfigText, resolveConfig } from './load';
import { DEFAULT_CONFIG } from './schema';

function keyOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return (error as { code: string; data: { key: string } }).data.key;
  }
  return 'no error';
}

describe('config', () => {
  it('uses the defaults when the file is absent', () => {
    expect(loadConfig('/nonexistent/agent.json', {})).toEqual(DEFAULT_CONFIG);
  });

  it('merges a partial file over the defaults', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ub-cfg-'));
    try {
      const file = path.join(dir, 'agent.json');
      writeFileSync(
        file,
        JSON.stringify({
          maxInstances: 3,
          portRanges: { kongHttp: [9000, 9010] },
          images: { 'supabase/postgres': 'local/pg:1' },
        }),
      );
      const config = loadConfig(file, {});
      expect(config.maxInstances).toBe(3);
      expect(config.portRanges.kongHttp).toEqual([9000, 9010]);
      expect(config.portRanges.kongHttps).toEqual([8400, 8799]);
      expect(config.images['supabase/postgres']).toBe('local/pg:1');
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('lets the seed environment variables win over the file', () => {
    const config = resolveConfig(
      { maxInstances: 3, externalHost: 'file.example' },
      {
        MAX_INSTANCES: '7',
        VPS_HOST: '203.0.113.10',
        MANAGER_EXTERNAL_IP: 'panel.example.com',
        ENABLE_AUTO_REPAIR: 'false',
        DIAGNOSTIC_INTERVAL: '60000',
      },
      'test',
    );
    expect(config).toMatchObject({
      maxInstances: 7,
      externalHost: 'panel.example.com',
      autoRepair: false,
      diagnosticIntervalMs: 60000,
    });
  });

  it('names the offending key', () => {
    expect(keyOf(() => parseConfigText('{"maxInstances": "ten"}', 'f'))).toBe('maxInstances');
    expect(keyOf(() => parseConfigText('{"portRanges": {"kongHttp": [9, 1]}}', 'f'))).toBe(
      'portRanges.kongHttp',
    );
    expect(keyOf(() => parseConfigText('{"maxInstancez": 1}', 'f'))).toBe('maxInstancez');
    expect(keyOf(() => parseConfigText('{', 'f'))).toBe('(file)');
    expect(keyOf(() => resolveConfig({}, { MAX_INSTANCES: '1x' }, 't'))).toBe('MAX_INSTANCES');
    expect(keyOf(() => resolveConfig({}, { VPS_HOST: 'a b; rm' }, 't'))).toBe('VPS_HOST');
    expect(keyOf(() => resolveConfig({}, { ENABLE_AUTO_REPAIR: 'maybe' }, 't'))).toBe(
      'ENABLE_AUTO_REPAIR',
    );
  });

  it('takes limits, audit sizes and the socket group, each key on its own', () => {
    const config = resolveConfig(
      { limits: { maxConnections: 10 }, audit: { keepFiles: 2 }, socketGroup: 'ultrabase' },
      {},
      't',
    );
    expect(config.limits).toEqual({ ...DEFAULT_CONFIG.limits, maxConnections: 10 });
    expect(config.audit).toEqual({ ...DEFAULT_CONFIG.audit, keepFiles: 2 });
    expect(config.socketGroup).toBe('ultrabase');
    expect(keyOf(() => parseConfigText('{"limits": {"maxStreams": 0}}', 'f'))).toBe(
      'limits.maxStreams',
    );
    expect(keyOf(() => parseConfigText('{"socketGroup": "../x"}', 'f'))).toBe('socketGroup');
  });

  it('takes a healthcheck interval in whole seconds, and none by default', () => {
    expect(DEFAULT_CONFIG.healthcheckIntervalMs).toBeUndefined();
    expect(resolveConfig({ healthcheckIntervalMs: 1000 }, {}, 't').healthcheckIntervalMs).toBe(
      1000,
    );
    for (const bad of ['500', '1500', '120000', '"1s"']) {
      expect(keyOf(() => parseConfigText(`{"healthcheckIntervalMs": ${bad}}`, 'f'))).toBe(
        'healthcheckIntervalMs',
      );
    }
  });

  it('refuses overlapping port ranges (the seed bug)', () => {
    expect(
      keyOf(() =>
        resolveConfig({ portRanges: { kongHttp: [8000, 8999], kongHttps: [8400, 8499] } }, {}, 't'),
      ),
    ).toBe('portRanges.kongHttps');
  });
});
