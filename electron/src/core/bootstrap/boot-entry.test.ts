import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BOOT_MARKER,
  bootCronLine,
  installBootEntryCommand,
  removeBootEntryCommand,
} from './boot-entry';
import type { RemoteLayout } from './plan';

const layout = {
  base: '/home/deploy/.ultrabase',
  dataDir: '/home/deploy/.local/share/ultrabase',
  runDir: '/home/deploy/.ultrabase/run',
  agentDir: '/home/deploy/.ultrabase/agent/1.0.0',
  bundlePath: '/home/deploy/.ultrabase/agent/1.0.0/agent.cjs',
  socketPath: '/home/deploy/.ultrabase/run/agent.sock',
  pidFile: '/home/deploy/.ultrabase/run/agent.pid',
  runtimePath: '/home/deploy/.ultrabase/runtime/node',
} satisfies RemoteLayout;

/**
 * Runs each step with the real `crontab` program as root, in a mount namespace of its own with
 * an empty cron spool (a tmpfs), so the machine's own crontabs are never read or written.
 * Answers, per step, what the step printed and the crontab after it.
 */
function withPrivateSpool(steps: string[]): Array<{ out: string; crontab: string }> {
  const driver = [
    'set -e',
    'mount -t tmpfs -o mode=0755 tmpfs /var/spool/cron',
    'mkdir -m 1730 /var/spool/cron/crontabs',
    'chgrp crontab /var/spool/cron/crontabs',
    'for step in "$@"; do sh -c "$step"; echo "<crontab>"; crontab -l 2>/dev/null || true; echo "<end>"; done',
  ].join('\n');
  const r = spawnSync(
    'unshare',
    ['-m', '--propagation', 'private', 'sh', '-c', driver, 'sh', ...steps],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`driver failed: ${r.stderr}`);
  return r.stdout
    .split('<end>\n')
    .filter((chunk) => chunk.includes('<crontab>'))
    .map((chunk) => {
      const [out, crontab] = chunk.split('<crontab>\n');
      return { out: out!.trim(), crontab: crontab! };
    });
}

// The real program needs root (a private mount namespace) and Debian's cron package
// (test/rig/provision installs it); a developer's machine without either skips, CI has both.
const canRun =
  process.getuid?.() === 0 && existsSync('/usr/bin/crontab') && existsSync('/var/spool/cron');

describe('the @reboot line', () => {
  it('starts the agent as the detached start does, escapes % for cron, and carries the marker', () => {
    const line = bootCronLine({ ...layout, dataDir: '/srv/100%/data' }, '/usr/bin/node');
    expect(line.startsWith('@reboot ')).toBe(true);
    expect(line.endsWith(` ${BOOT_MARKER}`)).toBe(true);
    expect(line).toContain(' /srv/100\\%/data ');
    expect(line).not.toMatch(/[^\\]%/);
    expect(line).toContain('serve --data-dir');
  });
});

describe.skipIf(!canRun)('the crontab, edited with the real crontab program', () => {
  const line = bootCronLine(layout, '/usr/bin/node');
  const older = bootCronLine({ ...layout, bundlePath: '/old/agent.cjs' }, '/usr/bin/node');
  const mine = '0 3 * * * /usr/local/bin/nightly-report';

  it('adds the line once, replaces an older one, keeps the person’s lines, and removes only ours', () => {
    const seed = `sh -c 'printf "%s\\n" "# my jobs" "${mine}" | crontab -'`;
    const [seeded, first, again, upgraded, removed, removedAgain] = withPrivateSpool([
      seed,
      installBootEntryCommand(older),
      installBootEntryCommand(older),
      installBootEntryCommand(line),
      removeBootEntryCommand(),
      removeBootEntryCommand(),
    ]);
    expect(seeded!.crontab).toContain(mine);
    expect(first!.out).toBe('crontab: installed');
    expect(first!.crontab).toContain(mine);
    expect(first!.crontab).toContain('# my jobs');
    expect(first!.crontab).toContain(older);
    expect(again!.out).toBe('crontab: unchanged');
    expect(again!.crontab).toBe(first!.crontab);
    expect(upgraded!.crontab).toContain(line);
    expect(upgraded!.crontab).not.toContain('/old/agent.cjs');
    expect(upgraded!.crontab.split(BOOT_MARKER)).toHaveLength(2);
    expect(removed!.crontab).not.toContain(BOOT_MARKER);
    expect(removed!.crontab).toContain(mine);
    expect(removedAgain!.crontab).toBe(removed!.crontab);
  });

  it('an empty crontab gets only our line, and loses its crontab when ours goes', () => {
    const [installed, removed] = withPrivateSpool([
      installBootEntryCommand(line),
      removeBootEntryCommand(),
    ]);
    expect(installed!.crontab.trim()).toBe(line);
    expect(removed!.crontab).toBe('');
  });
});
