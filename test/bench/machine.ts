// What the numbers were measured on: CPU, memory, kernel, tool versions and the load average
// (the machine is shared, so the load at the start says how much to trust absolute times).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { MachineFacts } from './report';

function out(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve) =>
    execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve(err ? 'unknown' : ((stdout || stderr).trim().split('\n')[0] ?? 'unknown')),
    ),
  );
}

export function loadAverage(): string {
  return os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');
}

async function osName(): Promise<string> {
  try {
    const text = await readFile('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function describeMachine(loadAtStart: string, startedAt: Date): Promise<MachineFacts> {
  const [docker, compose, openssh, osn] = await Promise.all([
    out('docker', ['version', '--format', '{{.Server.Version}}']),
    out('docker-compose', ['version', '--short']),
    out('ssh', ['-V']),
    osName(),
  ]);
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    os: osn,
    node: process.version,
    docker,
    compose: `docker-compose ${compose}`,
    openssh,
    loadAtStart,
    loadAtEnd: loadAverage(),
    date: startedAt.toISOString(),
    durationS: (Date.now() - startedAt.getTime()) / 1000,
  };
}
