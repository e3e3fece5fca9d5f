import { promises as fs } from 'node:fs';
import os from 'node:os';
import type { SystemResources } from '@protocol/types';

/**
 * What one more Supabase stack costs in memory, for the "fits more" estimate only (the official
 * kit idles around 1 GiB with logs off; creation itself checks real free memory).
 */
export const INSTANCE_MEMORY_ESTIMATE_MB = 1024;

export interface HostReadings {
  memoryTotalMb: number;
  memoryAvailableMb: number;
  diskTotalMb: number;
  diskFreeMb: number;
  load1: number;
  cpus: number;
}

/** MemAvailable (not MemFree: the kernel's own estimate of what can be used without swapping). */
export async function readHost(dataDir: string): Promise<HostReadings> {
  const meminfo = await fs.readFile('/proc/meminfo', 'utf8').catch(() => '');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(meminfo)?.[1]);
  const totalKb = kb('MemTotal');
  const availableKb = kb('MemAvailable');
  const stat = await fs.statfs(dataDir);
  return {
    memoryTotalMb: Math.floor((Number.isFinite(totalKb) ? totalKb : os.totalmem() / 1024) / 1024),
    memoryAvailableMb: Math.floor(
      (Number.isFinite(availableKb) ? availableKb : os.freemem() / 1024) / 1024,
    ),
    diskTotalMb: Math.floor((stat.blocks * stat.bsize) / 2 ** 20),
    diskFreeMb: Math.floor((stat.bavail * stat.bsize) / 2 ** 20),
    load1: Math.round(os.loadavg()[0]! * 100) / 100,
    cpus: os.availableParallelism?.() ?? os.cpus().length,
  };
}

export interface ResourceThresholds {
  minFreeMemoryMb: number;
  minFreeDiskMb: number;
  maxLoadPerCore: number;
}

/**
 * The one judgement of "is there room": what is short, in the units a person thinks in; empty
 * when the host has room. Creation, start and `system.resources` all read it, so the "fits
 * more" estimate and a refusal never disagree.
 */
export function findShortfalls(host: HostReadings, t: ResourceThresholds) {
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
  const perCore = Math.round((host.load1 / Math.max(1, host.cpus)) * 100) / 100;
  if (perCore > t.maxLoadPerCore) {
    missing.loadPerCore = perCore;
    sentences.push(`load: ${perCore} per core, at most ${t.maxLoadPerCore} allowed`);
  }
  return { missing, sentences };
}

export function summarizeResources(
  host: HostReadings,
  input: {
    instances: number;
    maxInstances: number;
    thresholds: SystemResources['thresholds'];
    agentVersion: string;
    dockerVersion?: string;
    composeVersion?: string;
  },
): SystemResources {
  const { thresholds } = input;
  const underLimit = Math.max(0, input.maxInstances - input.instances);
  const { missing } = findShortfalls(host, thresholds);
  const overloaded = missing.loadPerCore !== undefined;
  const diskShort = missing.diskMissingMb !== undefined;
  const byMemory = Math.floor(
    Math.max(0, host.memoryAvailableMb - thresholds.minFreeMemoryMb) / INSTANCE_MEMORY_ESTIMATE_MB,
  );
  return {
    ...host,
    instances: input.instances,
    maxInstances: input.maxInstances,
    fitsMore: overloaded || diskShort ? 0 : Math.min(underLimit, byMemory),
    thresholds,
    agentVersion: input.agentVersion,
    ...(input.dockerVersion ? { dockerVersion: input.dockerVersion } : {}),
    ...(input.composeVersion ? { composeVersion: input.composeVersion } : {}),
  };
}
