import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logging/logger';
import { FakeAgent, FakeAgentLink } from '../testing/fake-agent-link';
import { AgentSession } from '../servers/agent-session';
import { BackupDownloads, downloadFolderName } from '../backups-api';
import {
  dump,
  expectedOf,
  functionsTar,
  items,
  manifest,
  manifestPart,
  storageTar,
} from './download-fixture';

// The desktop's side of a download over an agent session (a fake agent speaking the wire):
// the stream is consumed in order, every batch acknowledged once written, the folder checked
// against the manifest; a failure ends with the agent's code and leaves nothing.

async function connected() {
  const agent = new FakeAgent();
  const session = new AgentSession({
    serverId: 's1',
    link: new FakeAgentLink(agent),
    clientName: 'test',
    logger: silentLogger,
    credentials: async () => ({ username: agent.username, password: agent.password }),
    hooks: { onStatus: () => {}, onEvent: () => {}, onLogData: () => {}, onLogEnd: () => {} },
  });
  await session.connect();
  return { agent, session };
}

let out: string;
beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'ub-downloads-'));
});
afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

const m = manifest();
const parts = ['manifest', 'database', 'storage', 'functions'];
const opened = {
  backupId: m.id,
  instanceId: m.instanceId,
  instanceName: m.instanceName,
  totalBytes: expectedOf(m).totalBytes,
  parts,
  destination: 'local',
};
const stream = () =>
  items(
    { manifest: manifestPart(m), database: dump, storage: storageTar(), functions: functionsTar() },
    4096,
  );

describe('BackupDownloads over an agent session', () => {
  it('writes the backup into <out>/<project>-<backup> and acknowledges every batch', async () => {
    const { agent, session } = await connected();
    agent.download = { result: opened, items: stream() };
    const downloads = new BackupDownloads();
    const started = downloads.start({
      serverId: 's1',
      session,
      instanceId: 'p1',
      backupId: m.id,
      outDir: out,
    });
    const view = await started.done;
    expect(view.error).toBeUndefined();
    expect(view).toMatchObject({ finished: true, bytes: view.totalBytes });
    expect(view.result?.dir).toBe(join(out, `shop-${m.id}`));
    expect(downloadFolderName(opened)).toBe(`shop-${m.id}`);
    expect(await readFile(join(view.result!.dir, 'db.sql'))).toEqual(dump);
    expect(downloads.get(started.downloadId).finished).toBe(true);
    // Every stream.data was acknowledged (the agent's window reopens as the disk keeps up).
    const sent = agent.download.items.reduce<number>(
      (n, item) => n + Buffer.byteLength(JSON.stringify(item)),
      0,
    );
    const acked = agent.acks.filter((a) => a.stream !== undefined).reduce((n, a) => n + a.bytes, 0);
    expect(acked).toBeGreaterThanOrEqual(sent);
    await session.disconnect();
  });

  it('reports the agent’s error code and leaves no folder when the stream fails', async () => {
    const { agent, session } = await connected();
    agent.download = {
      result: opened,
      items: stream().slice(0, 3),
      error: {
        code: 'BACKUP_REPOSITORY_DAMAGED',
        message: 'restic: ciphertext verification failed',
      },
    };
    const view = await new BackupDownloads().start({
      serverId: 's1',
      session,
      instanceId: 'p1',
      backupId: m.id,
      outDir: out,
    }).done;
    expect(view.error?.code).toBe('BACKUP_REPOSITORY_DAMAGED');
    expect(view.result).toBeUndefined();
    expect(await readdir(out)).toEqual([]);
    await session.disconnect();
  });

  it('cancels: the stream stops, the download ends CANCELLED and leaves no folder', async () => {
    const { agent, session } = await connected();
    let release = () => {};
    const hold = new Promise<void>((r) => (release = r));
    agent.download = { result: opened, items: stream(), hold };
    const downloads = new BackupDownloads();
    const started = downloads.start({
      serverId: 's1',
      session,
      instanceId: 'p1',
      backupId: m.id,
      outDir: out,
    });
    // The stream is open (its folder named) and waits for data: then cancelled.
    while (!downloads.get(started.downloadId).dir) await new Promise((r) => setTimeout(r, 2));
    await new Promise((r) => setTimeout(r, 20));
    downloads.cancel(started.downloadId);
    const view = await started.done;
    release();
    expect(agent.requests).toContain('stream.cancel');
    expect(view.error?.code).toBe('CANCELLED');
    expect(await readdir(out)).toEqual([]);
    await session.disconnect();
  });
});
