import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import { ErrorCode } from '../protocol/errors';
import { LifecycleError } from './errors';

export interface ResourceThresholds {
  minFreeMemoryMb: number;
  minFreeDiskMb: number;
  maxLoadPerCore: number;
}

export interface HostResources {
  cpus: number;
  load1: number;
  memoryTotalMb: number;
  memoryAvailableMb: number;
  diskTotalMb: number;
  diskFreeMb: number;
}

/** Reads the host's numbers; behind an interface so the threshold logic is tested with fakes. */
export type HostProbe = (dataDir: string) => Promise<HostResources>;

/**
 * MemAvailable (not MemFree): the kernel's estimate of what a new workload can get without
 * swapping, page cache included. Disk is measured on the data directory, where volumes live.
 */
export const probeHost: HostProbe = async (dataDir) => {
  const meminfo = await readFile('/proc/meminfo', 'utf8').catch(() => '');
  const kb = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(meminfo);
    return m?.[1] ? Number(m[1]) : undefined;
  };
  const totalMb = Math.floor((kb('MemTotal') ?? os.totalmem() / 1024) / 1024);
  const availMb = Math.floor((kb('MemAvailable') ?? os.freemem() / 1024) / 1024);
  const fs = await statfs(dataDir);
  return {
    cpus: os.cpus().length || 1,
    load1: os.loadavg()[0] ?? 0,
    memoryTotalMb: totalMb,
    memoryAvailableMb: availMb,
    diskTotalMb: Math.floor((fs.blocks * fs.bsize) / 1024 / 1024),
    diskFreeMb: Math.floor((fs.bavail * fs.bsize) / 1024 / 1024),
  };
};

/** What is short, in the units a person thinks in; empty when the host has room. */
export function findShortfalls(host: HostResources, t: ResourceThresholds) {
  const missing: {
    memoryMissingMb?: number;
    diskMissingMb?: number;
    loadPerCore?: number;
  } = {};
  const sentences: string[] = [];
  if (host.memoryAvailableMb < t.minFreeMemoryMb) {
    missing.memoryMissingMb = t.minFreeMemoryMb - host.memoryAvailableMb;
    sentences.push(
      `memory: ${host.memoryAvailableMb} MB available, ${t.minFreeMemoryMb} MB required ` +
        `(${missing.memoryMissingMb} MB missing)`,
    );
  }
  if (host.diskFreeMb < t.minFreeDiskMb) {
    missing.diskMissingMb = t.minFreeDiskMb - host.diskFreeMb;
    sentences.push(
      `disk: ${host.diskFreeMb} MB free on the data directory, ${t.minFreeDiskMb} MB required ` +
        `(${missing.diskMissingMb} MB missing)`,
    );
  }
  const perCore = Math.round((host.load1 / host.cpus) * 100) / 100;
  if (perCore > t.maxLoadPerCore) {
    missing.loadPerCore = perCore;
    sentences.push(`load: ${perCore} per core, at most ${t.maxLoadPerCore} allowed`);
  }
  return { missing, sentences };
}

/**
 * Refuses with INSUFFICIENT_RESOURCES and data naming each shortfall (e.g. `memoryMissingMb`).
 * Exported on its own so the control plane can refuse before queueing, too; the queue checks
 * again when the creation's turn comes, because the host may have filled up meanwhile.
 */
export async function checkResources(
  thresholds: ResourceThresholds,
  dataDir: string,
  probe: HostProbe = probeHost,
): Promise<HostResources> {
  const host = await probe(dataDir);
  const { missing, sentences } = findShortfalls(host, thresholds);
  if (sentences.length > 0) {
    throw new LifecycleError(
      ErrorCode.INSUFFICIENT_RESOURCES,
      `This server lacks room for another instance: ${sentences.join('; ')}. ` +
        'Free resources, delete unused instances, or lower the thresholds in the agent config.',
      { ...missing, host, thresholds },
    );
  }
  return host;
}
