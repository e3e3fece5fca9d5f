import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateCredentials } from '../credentials/generate';
import type { InstanceSecrets } from '../credentials/secrets';
import type { Compose, ComposeAction, ComposeProject } from '../docker/compose';
import { stackInputFor } from '../instances/stack-input';
import { InstanceLocks } from '../instances/state';
import { ErrorCode } from '@protocol/error-codes';
import type { AgentEvent, Instance, ServiceState } from '@protocol/types';
import { renderStack, writeStackFiles } from '../stack';
import { applyStackChange, type ApplyDeps, type StackFacts } from './apply';

const settings = { images: {}, externalHost: undefined };
const render = (i: Instance, s: InstanceSecrets) => renderStack(stackInputFor(i, s, settings));

function instance(): Instance {
  return {
    id: 'abc123def',
    name: 'shop',
    owner: 'ana',
    status: 'running',
    createdAt: '2026-12-01T00:00:00.000Z',
    updatedAt: '2026-12-01T00:00:00.000Z',
    exposure: 'private',
    ports: { kongHttp: 8017, kongHttps: 8417, postgres: 5417, poolerTransaction: 6417 },
    urls: { studio: '', api: '', database: '' },
    project: 'ub_abc123def',
  };
}

class Harness {
  dir = mkdtempSync(path.join(tmpdir(), 'apply-'));
  stored: Instance = instance();
  secrets: InstanceSecrets = generateCredentials();
  composeRuns: string[][] = [];
  events: AgentEvent[] = [];
  /** The health of a recreated service, by name (default healthy). */
  health = new Map<string, ServiceState['health']>();
  locks = new InstanceLocks();

  async init(): Promise<void> {
    await writeStackFiles(this.dir, render(this.stored, this.secrets));
  }

  deps(): ApplyDeps {
    const compose: Compose = {
      version: '2.0.0',
      run: (_p: ComposeProject, action: ComposeAction, opts) => {
        this.composeRuns.push([action, ...(opts?.extra ?? [])]);
        return Promise.resolve('');
      },
    };
    return {
      registry: {
        get: () => structuredClone(this.stored),
        list: () => [structuredClone(this.stored)],
        update: (_id, patch) => {
          const next = { ...this.stored, ...patch } as Instance;
          for (const [k, v] of Object.entries(patch))
            if (v === undefined) delete next[k as keyof Instance];
          this.stored = next;
          return Promise.resolve(structuredClone(next));
        },
      },
      locks: this.locks,
      instanceDir: () => this.dir,
      readSecrets: () => Promise.resolve(structuredClone(this.secrets)),
      writeSecrets: (_id, s) => {
        this.secrets = structuredClone(s);
        return Promise.resolve();
      },
      render,
      compose: () => Promise.resolve(compose),
      readStates: (_project, services) =>
        Promise.resolve(
          services.map((service) => ({
            service,
            state: 'running',
            health: this.health.get(service) ?? 'healthy',
            restarts: 0,
          })),
        ),
      emit: (e) => this.events.push(e),
      healthTimeoutMs: 50,
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 5))),
      now: () => new Date('2026-12-02T00:00:00.000Z'),
    };
  }

  file(rel: string): string {
    return readFileSync(path.join(this.dir, rel), 'utf8');
  }
}

const siteUrl = (facts: StackFacts): StackFacts => ({
  instance: { ...facts.instance, settings: { 'auth.siteUrl': 'https://app.example.com' } },
  secrets: { ...facts.secrets, settings: { 'smtp.password': 's3cret' } },
});

describe('applying a stack change', () => {
  let h: Harness;
  beforeEach(async () => {
    h = new Harness();
    await h.init();
  });
  afterEach(() => rmSync(h.dir, { recursive: true, force: true }));

  it('dry run: returns the plan and changes nothing', async () => {
    const composeBefore = h.file('docker-compose.yml');
    const result = await applyStackChange(
      {
        instanceId: h.stored.id,
        next: siteUrl,
        keys: ['auth.siteUrl', 'smtp.password'],
        dryRun: true,
      },
      h.deps(),
    );
    expect(result.plan).toEqual({
      keys: ['auth.siteUrl', 'smtp.password'],
      files: ['docker-compose.yml'],
      services: ['auth'],
    });
    expect(h.file('docker-compose.yml')).toBe(composeBefore);
    expect(h.stored.settings).toBeUndefined();
    expect(h.secrets.settings).toBeUndefined();
    expect(h.composeRuns).toEqual([]);
  });

  it('writes facts and files, then recreates only the changed services', async () => {
    const result = await applyStackChange(
      { instanceId: h.stored.id, next: siteUrl, keys: ['auth.siteUrl'], dryRun: false },
      h.deps(),
    );
    expect(result.instance.settings).toEqual({ 'auth.siteUrl': 'https://app.example.com' });
    expect(h.secrets.settings).toEqual({ 'smtp.password': 's3cret' });
    expect(h.file('docker-compose.yml')).toContain('GOTRUE_SITE_URL: "https://app.example.com"');
    expect(h.composeRuns).toEqual([
      ['up', '--no-deps', '--force-recreate', '--timeout', '10', 'auth'],
    ]);
    const steps = h.events.map((e) =>
      e.type === 'instance.applying' ? `${e.event.step}:${e.event.status}` : e.type,
    );
    expect(steps).toEqual([
      'files:started',
      'files:done',
      'recreate:started',
      'recreate:done',
      'health:started',
      'health:done',
      'done:done',
    ]);
  });

  it('rolls facts and files back when a recreated service does not become healthy', async () => {
    const composeBefore = h.file('docker-compose.yml');
    h.health.set('auth', 'unhealthy');
    const error = await applyStackChange(
      { instanceId: h.stored.id, next: siteUrl, keys: ['auth.siteUrl'], dryRun: false },
      h.deps(),
    ).catch((e: unknown) => e as { code: string; data: Record<string, unknown> });
    expect(error).toMatchObject({
      code: ErrorCode.APPLY_FAILED,
      data: { cause: ErrorCode.UNHEALTHY, services: ['auth'] },
    });
    expect(h.file('docker-compose.yml')).toBe(composeBefore);
    expect(h.stored.settings).toBeUndefined();
    expect(h.secrets.settings).toBeUndefined();
    // Once for the change, once more to put the old containers back.
    expect(h.composeRuns).toHaveLength(2);
    expect(h.locks.isBusy(h.stored.id)).toBe(false);
  });

  it('runs the live-stack step before recreating, and undoes it on rollback', async () => {
    const calls: string[] = [];
    h.health.set('auth', 'unhealthy');
    await applyStackChange(
      {
        instanceId: h.stored.id,
        next: siteUrl,
        keys: [],
        dryRun: false,
        beforeRecreate: () => (calls.push('before'), Promise.resolve()),
        undoBeforeRecreate: () => (calls.push('undo'), Promise.resolve()),
      },
      h.deps(),
    ).catch(() => undefined);
    expect(calls).toEqual(['before', 'undo']);
  });

  it('only writes files for a stopped stack: it starts later with them', async () => {
    h.stored.status = 'stopped';
    const result = await applyStackChange(
      { instanceId: h.stored.id, next: siteUrl, keys: [], dryRun: false },
      h.deps(),
    );
    expect(result.plan.services).toEqual([]);
    expect(h.composeRuns).toEqual([]);
    expect(h.file('docker-compose.yml')).toContain('app.example.com');
  });

  it('refuses while another operation holds the instance', async () => {
    const lease = h.locks.acquire(h.stored.id, 'repair');
    await expect(
      applyStackChange(
        { instanceId: h.stored.id, next: siteUrl, keys: [], dryRun: false },
        h.deps(),
      ),
    ).rejects.toMatchObject({ code: ErrorCode.BUSY });
    lease.release();
  });

  it('refuses up front when the disk is low, writing nothing', async () => {
    const before = h.file('docker-compose.yml');
    const deps = h.deps();
    deps.checkDisk = () =>
      Promise.reject(Object.assign(new Error('low'), { code: ErrorCode.INSUFFICIENT_RESOURCES }));
    await expect(
      applyStackChange({ instanceId: h.stored.id, next: siteUrl, keys: [], dryRun: false }, deps),
    ).rejects.toMatchObject({ code: ErrorCode.INSUFFICIENT_RESOURCES });
    expect(h.file('docker-compose.yml')).toBe(before);
    expect(h.stored.settings).toBeUndefined();
  });

  it('a disk that fills while files are written: reserve given back, everything restored, DISK_FULL', async () => {
    const before = h.file('docker-compose.yml');
    const secretsBefore = structuredClone(h.secrets);
    let full = true;
    let released = 0;
    const deps = h.deps();
    const write = deps.writeSecrets;
    deps.writeSecrets = (id, s) =>
      full
        ? Promise.reject(Object.assign(new Error('ENOSPC: no space left'), { code: 'ENOSPC' }))
        : write(id, s);
    deps.releaseDiskReserve = async () => {
      released += 1;
      full = false;
    };
    await expect(
      applyStackChange({ instanceId: h.stored.id, next: siteUrl, keys: [], dryRun: false }, deps),
    ).rejects.toMatchObject({ code: ErrorCode.DISK_FULL });
    expect(released).toBe(1);
    expect(h.stored.settings).toBeUndefined();
    expect(h.secrets).toEqual(secretsBefore);
    expect(h.file('docker-compose.yml')).toBe(before);
    expect(h.composeRuns).toEqual([]);
  });
});
