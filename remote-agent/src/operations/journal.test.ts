import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DockerError } from '../docker/docker-error';
import { ErrorCode } from '@protocol/error-codes';
import type { Instance } from '@protocol/types';
import { OPERATIONS_DIR, OperationJournal } from './journal';
import { recoverOperations } from './recovery';

let dataDir: string;
const dir = () => path.join(dataDir, OPERATIONS_DIR);
const shop = { id: 'abc123', project: 'ub_abc123' };

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'ub-journal-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('operation journal', () => {
  it('has each step on disk (0600) before the step runs, and nothing once the operation ends', async () => {
    const seen: string[] = [];
    const journal = await OperationJournal.open(dataDir, {
      crashPoint: async (kind, step) => {
        // The crash point runs where a kill would land: the record must already say this step.
        const [file] = await readdir(dir());
        const record = JSON.parse(await readFile(path.join(dir(), file!), 'utf8'));
        seen.push(`${kind}:${step}=${record.step}`);
      },
      onEnd: (r) => void seen.push(`end ${r.kind}`),
    });
    const op = await journal.begin('upgrade', shop, 'backup', { from: 'a', to: 'b' });
    await op.enter('backup');
    await op.enter('pull');
    const [file] = await readdir(dir());
    expect((await stat(path.join(dir(), file!))).mode & 0o777).toBe(0o600);
    await op.end();
    await op.end();
    expect(seen).toEqual(['upgrade:backup=backup', 'upgrade:pull=pull', 'end upgrade']);
    expect(await readdir(dir())).toEqual([]);
  });

  it('reopens what a crash left, newest first, dropping torn temp files and unreadable records', async () => {
    const first = await OperationJournal.open(dataDir);
    const outer = await first.begin('restore', shop, 'read-back', { backupId: 'b1' });
    await new Promise((r) => setTimeout(r, 5));
    const inner = await first.begin('backup', shop, 'backup');
    await outer.enter('safety-backup');
    void inner;
    await writeFile(path.join(dir(), '.x.json.tmp-123'), '{"half');
    await writeFile(path.join(dir(), 'garbage.json'), 'not json');

    const again = await OperationJournal.open(dataDir);
    expect(again.unfinished().map((r) => [r.kind, r.step])).toEqual([
      ['backup', 'backup'],
      ['restore', 'safety-backup'],
    ]);
    expect(again.unfinished()[1]!.data).toEqual({ backupId: 'b1' });
    expect((await readdir(dir())).length).toBe(2);
  });
});

describe('recovery pass', () => {
  const registry = (instances: Record<string, Instance>) => ({
    get: (id: string) => instances[id],
    list: () => Object.values(instances),
    update: async (id: string, patch: Partial<Instance>) =>
      (instances[id] = { ...instances[id]!, ...patch }),
  });

  it('notes the outcome on the project and the audit, and keeps the record while Docker is down', async () => {
    const first = await OperationJournal.open(dataDir);
    await first.begin('create', shop, 'start');
    await first.begin('apply', { id: 'def456', project: 'ub_def456' }, 'recreate');
    const instances = {
      abc123: { id: 'abc123' } as Instance,
      def456: { id: 'def456' } as Instance,
    };
    const audit: unknown[] = [];
    const journal = await OperationJournal.open(dataDir);
    const reports = await recoverOperations({
      journal,
      registry: registry(instances),
      audit: (e) => audit.push(e),
      now: () => new Date('2026-12-02T10:00:00Z'),
      recoverers: {
        create: async () => ({ outcome: 'rolled-back', message: 'rolled back' }),
        apply: async () => {
          throw new DockerError(ErrorCode.DOCKER_UNAVAILABLE, 'Cannot reach Docker.');
        },
      },
    });
    expect(reports.map((r) => [r.kind, r.outcome])).toEqual([
      ['apply', 'failed'],
      ['create', 'rolled-back'],
    ]);
    expect(instances.abc123.lastOperation).toMatchObject({ outcome: 'rolled-back', step: 'start' });
    expect(instances.def456.lastOperation?.message).toContain('tries again at its next start');
    expect(audit).toHaveLength(2);

    // Docker down: the apply stays for the next start; the creation is settled.
    expect((await OperationJournal.open(dataDir)).unfinished().map((r) => r.kind)).toEqual([
      'apply',
    ]);
    const left = await OperationJournal.open(dataDir);
    await left.settle(left.unfinished()[0]!.id);

    // A record whose operation had in fact finished says nothing over a newer one's note.
    const later = await OperationJournal.open(dataDir);
    await later.begin('create', shop, 'health');
    await new Promise((r) => setTimeout(r, 5));
    await later.begin('backup', shop, 'backup');
    await recoverOperations({
      journal: await OperationJournal.open(dataDir),
      registry: registry(instances),
      audit: () => undefined,
      now: () => new Date('2026-12-02T11:00:00Z'),
      recoverers: {
        create: async () => ({ outcome: 'completed', message: 'had finished' }),
        backup: async () => ({ outcome: 'rolled-back', message: 'nothing recorded' }),
      },
    });
    expect(instances.abc123.lastOperation).toMatchObject({ kind: 'backup' });
  });
});
