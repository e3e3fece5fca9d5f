import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemdUnit } from './install';
import type { RemoteLayout } from './plan';

const layout = {
  dataDir: '/var/lib/ultrabase',
  runDir: '/run/ultrabase',
  agentDir: '/opt/ultrabase/agent/1.0.0',
  bundlePath: '/opt/ultrabase/agent/1.0.0/agent.cjs',
  socketPath: '/run/ultrabase/agent.sock',
  pidFile: '/run/ultrabase/agent.pid',
  runtimePath: '/opt/ultrabase/runtime/node',
} as RemoteLayout;

const directives = (unit: string) =>
  new Map(
    unit
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
  );

describe('the agent systemd unit (review 24a: root without any sandbox)', () => {
  const unit = directives(systemdUnit(layout, '/usr/bin/node'));

  it('cannot gain privileges and gets a private /tmp', () => {
    expect(unit.get('NoNewPrivileges')).toBe('yes');
    expect(unit.get('PrivateTmp')).toBe('yes');
  });

  it('keeps the OS binaries and kernel settings read-only', () => {
    expect(unit.get('ProtectSystem')).toBe('true');
    expect(unit.get('ProtectKernelTunables')).toBe('yes');
    expect(unit.get('ProtectKernelModules')).toBe('yes');
    expect(unit.get('RestrictSUIDSGID')).toBe('yes');
  });

  it('still runs the agent on its socket, with owner-only files', () => {
    expect(unit.get('ExecStart')).toBe(
      '/usr/bin/node /opt/ultrabase/agent/1.0.0/agent.cjs serve --data-dir /var/lib/ultrabase --socket /run/ultrabase/agent.sock',
    );
    expect(unit.get('UMask')).toBe('0077');
    const environment = systemdUnit(layout, '/usr/bin/node')
      .split('\n')
      .filter((l) => l.startsWith('Environment='));
    expect(environment).toEqual([
      'Environment=MALLOC_TRIM_THRESHOLD_=131072',
      'Environment=MALLOC_MMAP_THRESHOLD_=65536',
    ]);
  });
});

const hasVerifier = spawnSync('systemd-analyze', ['--version']).status === 0;

describe.runIf(hasVerifier)('the unit, as systemd reads it', () => {
  it('has no key this systemd does not know (a typo would silently drop a protection)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ub-unit-'));
    try {
      const file = join(dir, 'ultrabase-agent.service');
      writeFileSync(file, systemdUnit(layout, process.execPath));
      const out = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
      expect(`${out.stdout}${out.stderr}`).not.toMatch(/Unknown key|Invalid|Failed to parse/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
