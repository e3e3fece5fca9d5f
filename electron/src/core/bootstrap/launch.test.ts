import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bootCronLine, BOOT_MARKER } from './boot-entry';
import { startDetachedCommand, systemdUnit } from './install';
import { AGENT_ENV, AGENT_LAUNCH_REVISION, AGENT_NODE_FLAGS } from './launch';
import type { RemoteLayout } from './plan';
import { shellCommand } from '../ssh/shell-quote';

/**
 * A stand-in for the agent bundle: records how node was started (its flags, the launch
 * environment, its arguments), then holds the socket it was given for a moment, as the real
 * `serve` does, so the detached start's wait for the socket succeeds.
 */
const FAKE_AGENT = `
const fs = require('node:fs'), net = require('node:net');
const socket = process.argv[process.argv.indexOf('--socket') + 1];
fs.writeFileSync(process.env.LAUNCH_RECORD, JSON.stringify({
  execArgv: process.execArgv,
  args: process.argv.slice(2),
  env: Object.fromEntries(${JSON.stringify(Object.keys(AGENT_ENV))}.map((k) => [k, process.env[k]])),
  pid: process.pid,
}));
const server = net.createServer().listen(socket, () => setTimeout(() => server.close(), 1500));
`;

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function setUp(): { layout: RemoteLayout; record: string } {
  dir = mkdtempSync(join(tmpdir(), 'ub-launch-'));
  const layout: RemoteLayout = {
    base: dir,
    dataDir: join(dir, 'data dir'),
    runDir: join(dir, 'run'),
    agentDir: join(dir, 'agent'),
    bundlePath: join(dir, 'agent.cjs'),
    socketPath: join(dir, 'run', 'agent.sock'),
    pidFile: join(dir, 'run', 'agent.pid'),
    runtimePath: join(dir, 'runtime', 'node'),
  };
  writeFileSync(layout.bundlePath, FAKE_AGENT);
  return { layout, record: join(dir, 'launch.json') };
}

interface Launch {
  execArgv: string[];
  args: string[];
  env: Record<string, string | undefined>;
  pid: number;
}

function expectLaunchedRight(launch: Launch, layout: RemoteLayout): void {
  expect(launch.execArgv).toEqual([...AGENT_NODE_FLAGS]);
  expect(launch.env).toEqual(AGENT_ENV);
  expect(launch.args).toEqual([
    'serve',
    '--data-dir',
    layout.dataDir,
    '--socket',
    layout.socketPath,
  ]);
}

describe('every launcher starts the agent with the same node flags and environment', () => {
  it('has settings to apply (the RSS rows of `npm run bench` depend on them)', () => {
    expect(AGENT_ENV).toMatchObject({
      MALLOC_TRIM_THRESHOLD_: '131072',
      MALLOC_MMAP_THRESHOLD_: '65536',
    });
    expect(AGENT_LAUNCH_REVISION).toMatch(/^launch-[0-9a-f]{12}$/);
  });

  it('the detached start (no systemd): node itself, in the pid file, with the flags and environment', () => {
    const { layout, record } = setUp();
    const r = spawnSync('sh', ['-c', startDetachedCommand(layout, process.execPath)], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, LAUNCH_RECORD: record },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const launch = JSON.parse(readFileSync(record, 'utf8')) as Launch;
    expectLaunchedRight(launch, layout);
    expect(Number(readFileSync(layout.pidFile, 'utf8'))).toBe(launch.pid);
  });

  it('the @reboot line: the same, as cron runs it (sh, the % escapes undone)', () => {
    const { layout, record } = setUp();
    const line = bootCronLine(layout, process.execPath);
    const command = line
      .slice('@reboot '.length, line.length - BOOT_MARKER.length)
      .replace(/\\%/g, '%');
    const r = spawnSync('sh', ['-c', command], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, LAUNCH_RECORD: record },
    });
    expect(r.status).toBe(0);
    const launch = JSON.parse(readFileSync(record, 'utf8')) as Launch;
    expectLaunchedRight(launch, layout);
    expect(Number(readFileSync(layout.pidFile, 'utf8'))).toBe(launch.pid);
  });

  it('the systemd unit: Environment= lines and the flags before the bundle in ExecStart', () => {
    const { layout } = setUp();
    const unit = systemdUnit(layout, '/usr/bin/node').split('\n');
    for (const [k, v] of Object.entries(AGENT_ENV)) expect(unit).toContain(`Environment=${k}=${v}`);
    const exec = unit.find((l) => l.startsWith('ExecStart='));
    expect(exec).toBe(
      `ExecStart=${shellCommand(['/usr/bin/node', ...AGENT_NODE_FLAGS, layout.bundlePath])} serve --data-dir '${layout.dataDir}' --socket ${layout.socketPath}`,
    );
  });
});
