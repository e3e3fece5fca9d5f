// Backups against the rig with real components: the rendered stack on the stand-in images (a
// real PostgreSQL 15 in the project's db container), Debian's restic in the restic stand-in
// image, and a real OpenSSH server (a rig host in its own network namespace) as the SFTP
// destination. 100,000 rows, an auth user with a bcrypt password and 50 Storage files are
// backed up, destroyed and restored in place; the repositories hold no plaintext; a wrong
// password, a damaged repository and a full destination each give their code and leave the
// live project as it was.
import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip, gunzipSync } from 'node:zlib';
import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentEvent, Instance } from '@protocol/types';
import type { BackupProgress } from '@protocol/backups';
import { generateCredentials } from '../../remote-agent/src/credentials';
import type { InstanceSecrets } from '../../remote-agent/src/credentials';
import { renderStack, writeStackFiles } from '../../remote-agent/src/stack';
import { createDockerEngine } from '../../remote-agent/src/docker/engine';
import { createLifecycle, type DockerLifecycle } from '../../remote-agent/src/lifecycle';
import { createDockerHost, type DockerHost } from '../../remote-agent/src/docker/host';
import { InstanceLocks } from '../../remote-agent/src/instances/state';
import { BackupService } from '../../remote-agent/src/backups/service';
import { checksumTree } from '../../remote-agent/src/backups/file-tree';
import { DownloadWriter } from '../../electron/src/core/backups/download-writer';
import { DumpLoad, spawnPsqlLoader } from '../../remote-agent/src/backups/dump-load';
import { ImportSession } from '../../remote-agent/src/backups/import-session';
import { sniffDump } from '../../remote-agent/src/common/dump-format';
import { importDump, type ImportWire } from '../../electron/src/core/import-api';
import type { DumpImportProgress } from '../../electron/src/contract/backups';
import { ensureResticStandin, ensureStandinImages } from '../rig/images';
import { startHost, type VpsHost } from '../rig/hosts';
import { MemoryRegistry, freePorts, newInstance } from './lifecycle-helpers';
import { RIG_HEALTHCHECK_INTERVAL_MS } from './rig-agent';
import { InstanceFiles } from '../../remote-agent/src/instances/files';
import { createSettingsService } from '../../remote-agent/src/settings/wiring';

const run = (file: string, args: string[], timeoutMs = 300_000) =>
  new Promise<string>((resolve, reject) =>
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, out, errOut) =>
      err
        ? reject(new Error(`${file} ${args.slice(0, 4).join(' ')}: ${err.message}\n${errOut}`))
        : resolve(out),
    ),
  );

const MARKER = `UB-MARKER-${randomBytes(8).toString('hex')}`;
const USER_EMAIL = 'ana@example.com';
const USER_PASSWORD = 'correct horse battery staple';
const ROWS = 100_000;
const FILES = 50;

describe('backups and in-place restore on the rig (restic, Postgres, sshd)', () => {
  let dataDir: string;
  let registry: MemoryRegistry;
  let host: DockerHost;
  let lifecycle: DockerLifecycle;
  let locks: InstanceLocks;
  let backups: BackupService;
  let sftpHost: VpsHost;
  let sftpId: string;
  let instance: Instance;
  let images: Record<string, string>;
  const secretsOf = new Map<string, InstanceSecrets>();
  const projects: string[] = [];
  const progress: BackupProgress[] = [];
  const instanceDir = (id: string) => join(dataDir, 'instances', id);
  const storageDir = () => join(instanceDir(instance.id), 'volumes/storage');

  async function dbOf(project: string): Promise<string> {
    return (
      await run('docker', [
        'ps',
        '-q',
        '--filter',
        `label=com.docker.compose.project=${project}`,
        '--filter',
        'label=com.docker.compose.service=db',
      ])
    ).trim();
  }

  async function sqlIn(project: string, query: string, database = 'postgres'): Promise<string> {
    const container = await dbOf(project);
    return (
      await run('docker', [
        'exec',
        container,
        'psql',
        '-h',
        '/var/run/postgresql',
        '-U',
        'supabase_admin',
        '-d',
        database,
        '-X',
        '-At',
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        query,
      ])
    ).trim();
  }

  const sql = (query: string) => sqlIn(instance.project, query);

  /** Creates a project with the lifecycle on the stand-in images and waits until it runs. */
  async function createProject(prefix: string): Promise<Instance> {
    const id = `${prefix}${Date.now().toString(36)}`;
    const [kongHttp, kongHttps, postgres, poolerTransaction] = await freePorts(4);
    const ports = {
      kongHttp: kongHttp!,
      kongHttps: kongHttps!,
      postgres: postgres!,
      poolerTransaction: poolerTransaction!,
    };
    const projectSecrets = generateCredentials();
    secretsOf.set(id, projectSecrets);
    const entry = newInstance(id, ports);
    await writeStackFiles(
      instanceDir(id),
      renderStack({
        instanceId: id,
        // the registry entry's name: the settings apply path renders the same files again
        name: entry.name,
        ports,
        exposure: 'private',
        secrets: projectSecrets,
        imageOverrides: images,
        healthcheckIntervalMs: RIG_HEALTHCHECK_INTERVAL_MS,
      }),
    );
    // the 0600 secrets file the agent keeps beside the stack (backed up, never copied to a clone)
    await new InstanceFiles(dataDir).writeSecrets(id, projectSecrets);
    registry.add(entry);
    projects.push(`ub_${id}`);
    lifecycle.enqueueCreate(id);
    await registry.waitFor(
      (e: AgentEvent) =>
        e.type === 'instance.changed' &&
        e.instance.id === id &&
        (e.instance.status === 'running' || e.instance.status === 'failed'),
      300_000,
    );
    expect(registry.get(id)?.error).toBeUndefined();
    return registry.get(id)!;
  }

  /** Independent of the agent: one md5 over every row in key order. */
  const tableChecksum = (project = instance.project) =>
    sqlIn(
      project,
      `SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY id)) FROM public.items t`,
    );
  const canSignIn = (project = instance.project) =>
    sqlIn(
      project,
      `SELECT encrypted_password = extensions.crypt('${USER_PASSWORD}', encrypted_password) ` +
        `FROM auth.users WHERE email = '${USER_EMAIL}'`,
    );

  async function allFiles(dir: string): Promise<string[]> {
    const out: string[] = [];
    for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
      if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
    }
    return out;
  }

  async function containsMarker(dir: string): Promise<string[]> {
    const hits: string[] = [];
    for (const file of await allFiles(dir)) {
      if ((await readFile(file)).includes(MARKER)) hits.push(file);
    }
    return hits;
  }

  async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, `expected ${code}`).toBeDefined();
    expect((error as { code?: string }).code, String((error as Error).message)).toBe(code);
  }

  beforeAll(async () => {
    ({ images } = await ensureStandinImages());
    const resticImage = await ensureResticStandin();
    dataDir = await mkdtemp(join(tmpdir(), 'ubt-backups-'));
    registry = new MemoryRegistry();
    locks = new InstanceLocks();
    host = createDockerHost({ dataDir, engine: createDockerEngine() });
    lifecycle = createLifecycle({
      registry,
      docker: host,
      locks,
      instanceDir,
      emit: (e) => registry.emit(e),
      audit: () => {},
      config: {
        creationConcurrency: 1,
        resources: { minFreeMemoryMb: 256, minFreeDiskMb: 256, maxLoadPerCore: 1000 },
        dataDir,
        healthTimeoutMs: 240_000,
      },
    });

    instance = await createProject('bk');
    // Settings as the registry stores them, before the backup: the clone takes SMTP from the
    // source but keeps its own site URL (backups/settings-restore.ts).
    await registry.update(instance.id, {
      settings: { 'smtp.host': 'smtp.rig.example', 'auth.siteUrl': 'https://dev.rig.example' },
    });
    instance = registry.get(instance.id)!;
    const settings = createSettingsService({
      registry,
      files: new InstanceFiles(dataDir),
      docker: host,
      locks,
      stack: { images, externalHost: undefined },
      emit: (e) => registry.emit(e),
      see: () => {
        throw new Error('the backup jobs apply settings as the agent, never for a caller');
      },
      redact: () => {},
      healthTimeoutMs: 240_000,
      now: () => new Date(),
    });

    backups = new BackupService({
      dataDir,
      images: { 'restic/restic': resticImage },
      agentVersion: 'test',
      getInstance: (i) => registry.get(i),
      instanceDir,
      postgresPassword: (i) => Promise.resolve(secretsOf.get(i)!.postgresPassword),
      compose: () => host.compose(),
      locks,
      emit: (e) => {
        if (e.type === 'backup.progress') progress.push(e.event);
      },
      now: () => new Date(),
      setBackupStatus: async (id, backupStatus) =>
        void (await registry.update(id, { backupStatus })),
      applySettings: (id, changes) => settings.applyAsAgent(id, changes),
    });

    sftpHost = await startHost();
    await sftpHost.exec(['mkdir', '-p', '/root/repo', '/root/full']);
    sftpId = (
      await backups.addDestination({
        kind: 'sftp',
        name: 'rig sshd',
        host: sftpHost.address,
        port: sftpHost.port,
        user: 'root',
        path: '/root/repo',
        privateKey: sftpHost.rootPrivateKey,
        knownHosts: sftpHost.hostPublicKey,
      })
    ).id;

    // The data: 100,000 rows (a few carry the marker), an auth user, 50 Storage files.
    await sql(
      'CREATE TABLE public.items (id int PRIMARY KEY, body text NOT NULL, note text);' +
        `INSERT INTO public.items SELECT g, md5(g::text) || repeat('x', 40), ` +
        `CASE WHEN g % 10000 = 0 THEN '${MARKER}' END FROM generate_series(1, ${ROWS}) g;`,
    );
    await sql(
      'INSERT INTO auth.users (instance_id, id, aud, role, email, encrypted_password, created_at, updated_at) ' +
        `VALUES ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', ` +
        `'authenticated', '${USER_EMAIL}', extensions.crypt('${USER_PASSWORD}', extensions.gen_salt('bf')), now(), now())`,
    );
    // a table in the kit's service database (_supabase), which the backup holds after postgres
    await sqlIn(
      instance.project,
      'CREATE TABLE _analytics.ub_probe (id int PRIMARY KEY, note text);' +
        "INSERT INTO _analytics.ub_probe VALUES (1, 'a'), (2, 'b'), (3, 'c');",
      '_supabase',
    );
    const bucket = join(storageDir(), 'stub/stub/photos');
    await mkdir(bucket, { recursive: true });
    for (let i = 0; i < FILES; i++) {
      const body = i === 7 ? Buffer.from(`${MARKER} in a file`) : randomBytes(2048 + i * 997);
      await writeFile(join(bucket, `photo-${i}.bin`), body);
    }
  });

  afterAll(async () => {
    await lifecycle?.close();
    await host?.close();
    for (const project of projects) {
      const cs = (
        await run('docker', [
          'ps',
          '-aq',
          '--filter',
          `label=com.docker.compose.project=${project}`,
        ])
      )
        .split('\n')
        .filter(Boolean);
      if (cs.length) await run('docker', ['rm', '-fv', ...cs]).catch(() => {});
      await run('docker', ['network', 'rm', `${project}_default`]).catch(() => {});
    }
    await sftpHost?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  let before: { table: string; files: Awaited<ReturnType<typeof checksumTree>> };
  let backupId: string;

  it('backs up database and files to the local and the SFTP destination', async () => {
    expect(await tableChecksum()).toMatch(/^100000:/);
    expect(await canSignIn()).toBe('t');
    before = {
      table: await tableChecksum(),
      files: await checksumTree(storageDir(), storageDir()),
    };
    expect(before.files).toHaveLength(FILES);

    const t0 = Date.now();
    const job = backups.backup(instance.id);
    expect(job.queuePosition).toBe(0);
    const { manifest, added } = await job.done;
    const ms = Date.now() - t0;
    backupId = manifest.id;
    const items = manifest.database.tables.find((t) => t.table === 'public.items');
    expect(items?.rows).toBe(ROWS);
    expect(manifest.database.tables.find((t) => t.table === 'auth.users')?.rows).toBe(1);
    // the service database follows postgres in the same dump, its tables named with a prefix
    expect(manifest.database.parts?.map((p) => p.database)).toEqual(['postgres', '_supabase']);
    expect(manifest.database.parts!.reduce((n, p) => n + p.bytes, 0)).toBe(manifest.database.bytes);
    expect(
      manifest.database.tables.find((t) => t.table === '_supabase:_analytics.ub_probe')?.rows,
    ).toBe(3);
    const stored = manifest.files.entries.filter((e) => e.path.startsWith('volumes/storage/'));
    expect(stored).toHaveLength(FILES);
    // the project's functions folder is in the backup too
    expect(manifest.files.entries.some((e) => e.path.startsWith('volumes/functions/'))).toBe(true);
    expect(Object.keys(manifest.snapshots).sort()).toEqual(['local', sftpId].sort());
    for (const snaps of Object.values(manifest.snapshots)) {
      expect(snaps.db).toMatch(/^[0-9a-f]{8,64}$/);
      expect(snaps.files).toMatch(/^[0-9a-f]{8,64}$/);
    }
    const listed = await backups.list(instance.id);
    expect(listed.map((b) => b.id)).toEqual([backupId]);
    expect(listed[0]!.rows).toBeGreaterThanOrEqual(ROWS + 1);
    const phases = progress.filter((p) => p.job === 'backup').map((p) => p.phase);
    expect(phases).toContain('database');
    expect(phases.at(-1)).toBe('done');
    console.log(
      `[backups] backup of ${(manifest.database.bytes / 1e6).toFixed(1)} MB dump + ${FILES} files ` +
        `to 2 destinations: ${ms} ms (db ${manifest.database.durationMs} ms, files ${manifest.files.durationMs} ms); ` +
        `added local ${added.local} B, sftp ${added[sftpId]} B`,
    );
  });

  it('deduplicates: an unchanged database adds almost nothing; 1% new or updated rows a small fraction', async () => {
    const first = (await backups.list(instance.id)).find((b) => b.id === backupId)!;
    const again = async (change?: string) => {
      if (change) await sql(change);
      const t0 = Date.now();
      const { manifest, added } = await backups.backup(instance.id, { destinations: ['local'] })
        .done;
      return { ms: Date.now() - t0, manifest, ratio: added.local! / first.added.local!, added };
    };
    const pct = (r: number) => `${(r * 100).toFixed(1)}%`;
    // Nothing changed: the same dump bytes (a stable psql \restrict key; pg_dump's random
    // one made the first and last chunk new every time: ~2.3 MB of this 8 MB dump).
    const unchanged = await again();
    // 1% more rows (a table that grows): only the chunks at the table's end are new
    const inserted = await again(
      `INSERT INTO public.items SELECT g, md5(g::text) || repeat('x', 40) FROM generate_series(${ROWS + 1}, ${ROWS + ROWS / 100}) g`,
    );
    // 1% of the rows updated, ids next to each other: Postgres writes the new versions into
    // free space spread over the whole heap; the dump copies rows in key order, so only the
    // chunk holding those ids changes. restic's chunks are 512 KiB plus an exponential tail of
    // mean 1 MiB (8 MiB at most), and ids 1-1000 lie in the dump's first chunk: 1.5 MiB on
    // average, ~16% of this ~9.6 MB first backup, but above 4.6 MiB (48%) once in ~60 runs
    // (e^-4.1) and above 5.5 MiB (60%) once in ~150. Measured 12.7%, 22.5%, 38.9%. In heap
    // order, as pg_dump copies, 70-87%. The benchmark's 83 MB dump carries the <= 10% target.
    const updated = await again('UPDATE public.items SET body = md5(body) WHERE id <= 1000');
    // 1% of the rows updated, one in every 100 ids: with restic's ~1 MiB average chunks every
    // chunk of the table (~12,000 rows each) holds changed rows, so nearly the whole table is
    // new whatever the order. Measured and reported, no target: no chunking dedupes that.
    const scattered = await again('UPDATE public.items SET body = md5(body) WHERE id % 100 = 0');
    // a plain pg_dump | gzip of the same database, for comparison (no network, like local)
    const g0 = Date.now();
    const gz = await run('sh', [
      '-c',
      `docker exec ${await dbOf(instance.project)} pg_dump -h /var/run/postgresql -U supabase_admin postgres | gzip | wc -c`,
    ]);
    const gms = Date.now() - g0;
    const mb = updated.manifest.database.bytes / 1e6;
    console.log(
      `[backups] added vs the first backup (${first.added.local} B): unchanged ${unchanged.added.local} B (${pct(unchanged.ratio)}); ` +
        `1% rows inserted ${inserted.added.local} B (${pct(inserted.ratio)}); 1% rows updated (ids 1-1000) ${updated.added.local} B (${pct(updated.ratio)}); ` +
        `1% rows updated (every 100th id) ${scattered.added.local} B (${pct(scattered.ratio)}); ` +
        `backup of the ${mb.toFixed(1)} MB dump took ${updated.ms} ms (db phase ${updated.manifest.database.durationMs} ms, ` +
        `${(mb / (updated.manifest.database.durationMs / 1000)).toFixed(1)} MB/s; ${(mb / (updated.ms / 1000)).toFixed(1)} MB/s end to end, ` +
        `fixed costs included); pg_dump | gzip of the same: ${Number(gz.trim())} B in ${gms} ms (${(mb / (gms / 1000)).toFixed(1)} MB/s)`,
    );
    expect(unchanged.ratio).toBeLessThan(0.02);
    expect(inserted.ratio).toBeLessThan(0.5);
    expect(updated.ratio).toBeLessThan(0.6);
    // (the restore below brings back the first backup, so the rows compare with `before`)
  });

  it('keeps no plaintext in either repository (the marker is in no repository file)', async () => {
    const local = join(dataDir, 'backups/repository');
    const remote = join(sftpHost.dirs.rootHome, 'repo');
    expect((await allFiles(local)).length).toBeGreaterThan(5);
    expect((await allFiles(remote)).length).toBeGreaterThan(5);
    expect(await containsMarker(local)).toEqual([]);
    expect(await containsMarker(remote)).toEqual([]);
    // and the marker really is in what was backed up (the check could find it)
    expect(await sql(`SELECT count(*) FROM public.items WHERE note = '${MARKER}'`)).toBe('10');
    // the repository password file is the agent's alone
    expect((await stat(join(dataDir, 'backups/repository-password'))).mode & 0o777).toBe(0o600);
  });

  it('refuses a restore without the typed project name', async () => {
    expect(() => backups.restore(instance.id, backupId, { confirm: 'nope' })).toThrow(
      expect.objectContaining({ code: 'CONFIRMATION_MISMATCH' }),
    );
  });

  it('downloads a backup off the server: db.sql and every file, checked against the manifest', async () => {
    // The agent's side (restic dump per part, streamed) into the desktop's writer, with the
    // base64 round trip of the wire; the RPC stream between them is unit-tested.
    const out = await mkdtemp(join(tmpdir(), 'ubt-download-'));
    try {
      const t0 = Date.now();
      const download = await backups.openDownload(instance.id, backupId, { destination: 'local' });
      expect(download.parts).toEqual(['manifest', 'database', 'storage', 'functions']);
      const m = download.manifest;
      const writer = new DownloadWriter(
        join(out, 'dl'),
        { backupId: m.id, totalBytes: m.database.bytes + m.files.bytes },
        download.parts,
      );
      await writer.start();
      for await (const item of download.read()) {
        await writer.write('part' in item ? item : { data: item.data.toString('base64') });
      }
      const result = await writer.finish();
      const ms = Date.now() - t0;
      const dump = await readFile(join(out, 'dl/db.sql'));
      expect(createHash('sha256').update(dump).digest('hex')).toBe(
        download.manifest.database.sha256,
      );
      expect(dump.includes('CREATE TABLE public.items')).toBe(true);
      expect(result.files).toBe(download.manifest.files.count);
      expect(
        await checksumTree(join(out, 'dl/volumes/storage'), join(out, 'dl/volumes/storage')),
      ).toEqual(before.files);
      // the roles' password hashes stay on the server unless asked for
      await expect(access(join(out, 'dl/roles.sql'))).rejects.toThrow();
      console.log(`[backups] download of ${(result.bytes / 1e6).toFixed(1)} MB: ${ms} ms`);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('restores in place from the SFTP destination: every row, every file, the sign-in', async () => {
    await sql('DROP TABLE public.items');
    await sql(`DELETE FROM auth.users WHERE email = '${USER_EMAIL}'`);
    await sqlIn(instance.project, 'DROP TABLE _analytics.ub_probe', '_supabase');
    await rm(join(storageDir(), 'stub'), { recursive: true, force: true });
    expect(await sql("SELECT to_regclass('public.items') IS NULL")).toBe('t');
    expect(await checksumTree(storageDir(), storageDir())).toEqual([]);

    const t0 = Date.now();
    const job = backups.restore(instance.id, backupId, {
      confirm: instance.name,
      destination: sftpId,
    });
    const { safetyBackupId } = await job.done;
    const ms = Date.now() - t0;
    expect(await tableChecksum()).toBe(before.table);
    expect(await checksumTree(storageDir(), storageDir())).toEqual(before.files);
    expect(await canSignIn()).toBe('t');
    // the service database is back as it was too
    expect(
      await sqlIn(
        instance.project,
        "SELECT string_agg(note, ',' ORDER BY id) FROM _analytics.ub_probe",
        '_supabase',
      ),
    ).toBe('a,b,c');
    // the safety backup holds the state just before (no items table, no user, no files)
    const safety = (await backups.list(instance.id)).find((b) => b.id === safetyBackupId);
    expect(safety?.kind).toBe('safety');
    const safetyManifest = (await backups.index.get(instance.id, safetyBackupId))!.manifest;
    expect(
      safetyManifest.files.entries.filter((e) => e.path.startsWith('volumes/storage/')),
    ).toEqual([]);
    expect(safetyManifest.database.tables.find((t) => t.table === 'public.items')).toBeUndefined();
    // the project's services are up again
    const states = (
      await run('docker', [
        'ps',
        '-a',
        '--filter',
        `label=com.docker.compose.project=${instance.project}`,
        '--format',
        '{{.State}}',
      ])
    )
      .split('\n')
      .filter(Boolean);
    expect(states.length).toBeGreaterThan(5);
    expect(states.every((s) => s === 'running')).toBe(true);
    console.log(
      `[backups] in-place restore from SFTP (read-back check + safety backup + apply): ${ms} ms`,
    );
  });

  let copy: Instance;

  it('clones the backup into a new project with its own ports, network and role passwords', async () => {
    copy = await createProject('bc');
    const t0 = Date.now();
    const job = backups.clone(instance.id, backupId, copy.id, { destination: sftpId });
    expect(await job.done).toEqual({ instanceId: copy.id, backupId });
    const ms = Date.now() - t0;
    expect(await tableChecksum(copy.project)).toBe(before.table);
    const copyStorage = join(instanceDir(copy.id), 'volumes/storage');
    expect(await checksumTree(copyStorage, copyStorage)).toEqual(before.files);
    expect(await canSignIn(copy.project)).toBe('t');
    // its service database stays its own (the pooler's tenant is sealed with its own keys)
    expect(
      await sqlIn(copy.project, "SELECT to_regclass('_analytics.ub_probe') IS NULL", '_supabase'),
    ).toBe('t');
    // its own ports and network
    const ports = new Set([...Object.values(instance.ports), ...Object.values(copy.ports)]);
    expect(ports.size).toBe(8);
    const networks = await run('docker', ['network', 'ls', '--format', '{{.Name}}']);
    expect(networks).toContain(`${copy.project}_default`);
    // the roles its services log in with kept the clone's own password, not the source's
    const login = async (password: string) => {
      const container = await dbOf(copy.project);
      return run('docker', [
        'exec',
        '-e',
        `PGPASSWORD=${password}`,
        container,
        'sh',
        '-c',
        'psql -h "$(hostname -i)" -U authenticator -d postgres -X -At -c "select 1"',
      ]).then(
        (out) => out.trim(),
        () => 'refused',
      );
    };
    expect(await login(secretsOf.get(copy.id)!.postgresPassword)).toBe('1');
    expect(await login(secretsOf.get(instance.id)!.postgresPassword)).toBe('refused');
    // settings: the backup held them (and the secrets file) with checksums; the clone got the
    // source's SMTP host through the apply path (auth recreated with it), kept its own site URL
    // and its own secrets
    const entry = (await backups.index.list(instance.id)).find((e) => e.manifest.id === backupId);
    expect(entry?.manifest.settings?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(entry?.manifest.secrets?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(registry.get(copy.id)?.settings).toEqual({ 'smtp.host': 'smtp.rig.example' });
    const authEnv = await run('docker', [
      'inspect',
      '--format',
      '{{range .Config.Env}}{{println .}}{{end}}',
      (
        await run('docker', [
          'ps',
          '-q',
          '--filter',
          `label=com.docker.compose.project=${copy.project}`,
          '--filter',
          'label=com.docker.compose.service=auth',
        ])
      ).trim(),
    ]);
    expect(authEnv).toContain('GOTRUE_SMTP_HOST=smtp.rig.example');
    expect(authEnv).not.toContain('dev.rig.example');
    const copySecrets = await new InstanceFiles(dataDir).readSecrets(copy.id);
    expect(copySecrets.jwtSecret).toBe(secretsOf.get(copy.id)!.jwtSecret);
    expect(copySecrets.postgresPassword).toBe(secretsOf.get(copy.id)!.postgresPassword);
    const states = (
      await run('docker', [
        'ps',
        '-a',
        '--filter',
        `label=com.docker.compose.project=${copy.project}`,
        '--format',
        '{{.State}}',
      ])
    )
      .split('\n')
      .filter(Boolean);
    expect(states.every((st) => st === 'running')).toBe(true);
    const ofClone = progress.filter((p) => p.job === 'clone' && p.instanceId === copy.id);
    const applying = ofClone.find((p) => p.message === "Applying the backup's settings");
    const settingsMs = applying
      ? Date.parse(ofClone.at(-1)!.at) - Date.parse(applying.at)
      : Number.NaN;
    console.log(
      `[backups] clone into a new project on the same host (read-back + apply): ${ms} ms, ` +
        `of which applying the source's settings (auth recreated): ${settingsMs} ms`,
    );
  });

  it("clones onto a second server from the SFTP repository with the first server's password", async () => {
    // The second server is a second agent installation on this docker-visible machine (the rig
    // runs real stacks on one host only): its own data folder, its own repository password, no
    // copy of the first one's index, destinations or password file. It reaches the backup only
    // the way a new server would: the SFTP destination's credentials and the first server's
    // repository password, both as the desktop passes them from its keychain.
    const secondDir = await mkdtemp(join(tmpdir(), 'ubt-backups-second-'));
    const redacted: string[] = [];
    const second = new BackupService({
      dataDir: secondDir,
      images: { 'restic/restic': await ensureResticStandin() },
      agentVersion: 'test',
      getInstance: (i) => (i === copy.id ? registry.get(i) : undefined),
      instanceDir,
      postgresPassword: (i) => Promise.resolve(secretsOf.get(i)!.postgresPassword),
      compose: () => host.compose(),
      locks,
      emit: () => {},
      now: () => new Date(),
      redact: (secret) => redacted.push(secret),
    });
    try {
      await second.password.ensure();
      const firstPassword = await readFile(join(dataDir, 'backups/repository-password'), 'utf8');
      expect(await second.password.read()).not.toBe(firstPassword);
      const destination = {
        kind: 'sftp' as const,
        name: 'old server backups',
        host: sftpHost.address,
        port: sftpHost.port,
        user: 'root',
        path: '/root/repo',
        privateKey: sftpHost.rootPrivateKey,
        knownHosts: sftpHost.hostPublicKey,
      };
      // this server's own password does not open the other's repository
      await expectCode(
        second.inspectRepository(
          { destination, password: await second.password.read() },
          { instanceId: instance.id },
        ),
        'BACKUP_WRONG_PASSWORD',
      );
      const source = { destination, password: firstPassword };
      const found = await second.inspectRepository(source, { instanceId: instance.id });
      expect(found.id).toBe(backupId); // the only backup written to SFTP
      // wreck the target first, so only the restore can make it equal
      await sqlIn(copy.project, 'DROP TABLE public.items');
      const copyStorage = join(instanceDir(copy.id), 'volumes/storage');
      await rm(join(copyStorage, 'stub'), { recursive: true, force: true });
      const t0 = Date.now();
      expect(
        await second.cloneFromRepository(source, { instanceId: instance.id }, copy.id).done,
      ).toEqual({ instanceId: copy.id, backupId });
      const ms = Date.now() - t0;
      expect(await tableChecksum(copy.project)).toBe(before.table);
      expect(await checksumTree(copyStorage, copyStorage)).toEqual(before.files);
      expect(await canSignIn(copy.project)).toBe('t');
      // the other server's password went to the log guard, and no copy of it stayed here
      expect(redacted).toContain(firstPassword);
      expect(await readdir(join(secondDir, 'backups/imports'))).toEqual([]);
      console.log(`[backups] clone onto a second installation from SFTP: ${ms} ms`);
    } finally {
      await rm(secondDir, { recursive: true, force: true });
    }
  });

  it('imports a gzip pg_dump and a Storage folder uploaded the way the desktop sends them', async () => {
    // The desktop's uploader (core/import-api.ts) against the agent's session (what the
    // backups.dumpImport.* handlers hold), psql in the target's db container for real. The
    // target is the clone, wrecked first; creating a fresh project here would add ~a minute.
    const source = {
      table: await tableChecksum(),
      files: await checksumTree(storageDir(), storageDir()),
    };
    await sqlIn(copy.project, 'DROP TABLE public.items; DELETE FROM auth.users');
    const copyStorage = join(instanceDir(copy.id), 'volumes/storage');
    await rm(join(copyStorage, 'stub'), { recursive: true, force: true });
    const work = await mkdtemp(join(tmpdir(), 'ubt-import-'));
    try {
      // What a person brings: `pg_dump` of the old project, compressed.
      const dumpPath = join(work, 'old-project.sql.gz');
      const pgDump = spawn(
        'docker',
        [
          'exec',
          await dbOf(instance.project),
          'pg_dump',
          '-h',
          '/var/run/postgresql',
          '-U',
          'supabase_admin',
          'postgres',
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      await pipeline(pgDump.stdout, createGzip(), createWriteStream(dumpPath));
      const t0 = Date.now();
      let session: ImportSession | undefined;
      let rolledBack = false;
      const wire: ImportWire = {
        async call(method, params) {
          const p = params as Record<string, unknown>;
          const data = () => Buffer.from(p.data as string, 'base64');
          if (method === 'backups.dumpImport.begin') {
            const load = new DumpLoad(
              spawnPsqlLoader({
                container: await dbOf(copy.project),
                password: secretsOf.get(copy.id)!.postgresPassword,
              }),
              sniffDump(Buffer.from(p.head as string, 'base64')),
              { maxBytes: p.dumpBytes as number, maxAhead: 16 },
            );
            session = new ImportSession({
              instance: copy,
              load,
              storageRoot: copyStorage,
              storage: p.storage as { files: number; bytes: number },
              idleMs: 60_000,
              rollback: async () => {
                rolledBack = true;
              },
              now: () => Date.now(),
              onClosed: () => {},
            });
            return {
              uploadId: session.id,
              instance: copy,
              chunkBytes: 512 * 1024,
              windowChunks: 4,
            } as never;
          }
          if (method === 'backups.dumpImport.chunk')
            return (await session!.chunk(p.seq as number, data())) as never;
          if (method === 'backups.dumpImport.file') {
            return (await session!.file(
              p.path as string,
              p.offset as number,
              data(),
              p.last as boolean,
            )) as never;
          }
          if (method === 'backups.dumpImport.finish') return (await session!.finish()) as never;
          await session?.cancel();
          return { ok: true } as never;
        },
      };
      const phases = new Set<string>();
      let last: DumpImportProgress | undefined;
      const report = await importDump(
        wire,
        { dumpPath, storageDir: storageDir(), name: 'imported' },
        (p) => {
          phases.add(p.phase);
          last = p;
        },
      );
      const ms = Date.now() - t0;
      expect(rolledBack).toBe(false);
      expect(await tableChecksum(copy.project)).toBe(source.table);
      expect(await checksumTree(copyStorage, copyStorage)).toEqual(source.files);
      expect(await canSignIn(copy.project)).toBe('t');
      expect(report.files).toBe(FILES);
      expect(report.dumpBytes).toBe((await stat(dumpPath)).size);
      // Supabase's own schemas exist in the new project: their CREATEs fail, reported by line.
      expect(report.errorCount).toBeGreaterThan(0);
      expect(report.errors.every((e) => e.line > 0 && e.message.length > 0)).toBe(true);
      // The lines are the dump's: an "already exists" points at the CREATE that said it.
      const lines = gunzipSync(await readFile(dumpPath))
        .toString('utf8')
        .split('\n');
      const exists = report.errors.find((e) => /already exists/.test(e.message));
      expect(exists, JSON.stringify(report.errors.slice(0, 5))).toBeDefined();
      expect(lines[exists!.line - 1]).toMatch(/^(CREATE|ALTER|COMMENT)/);
      expect([...phases]).toEqual([
        'checking',
        'creating',
        'uploading-dump',
        'loading',
        'uploading-files',
        'done',
      ]);
      expect(last?.bytes).toBe(last?.totalBytes);
      console.log(
        `[backups] import of a ${(report.dumpBytes / 1e6).toFixed(1)} MB gzip pg_dump + ${FILES} files: ` +
          `${ms} ms, ${report.errorCount} statements refused (first: line ${report.errors[0]?.line}: ${report.errors[0]?.message})`,
      );
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('a wrong repository password gives BACKUP_WRONG_PASSWORD and leaves the project as it was', async () => {
    const file = join(dataDir, 'backups/repository-password');
    const real = await readFile(file, 'utf8');
    await writeFile(file, 'not-the-password', { mode: 0o600 });
    try {
      await expectCode(
        backups.restore(instance.id, backupId, { confirm: instance.name }).done,
        'BACKUP_WRONG_PASSWORD',
      );
      await expectCode(backups.backup(instance.id).done, 'BACKUP_WRONG_PASSWORD');
    } finally {
      await writeFile(file, real, { mode: 0o600 });
    }
    expect(await tableChecksum()).toBe(before.table);
    expect(await checksumTree(storageDir(), storageDir())).toEqual(before.files);
  });

  it('a full destination gives BACKUP_DESTINATION_FULL and no backup is recorded', async () => {
    const mounted = await sftpHost.exec([
      'mount',
      '-t',
      'tmpfs',
      '-o',
      'size=2m',
      'tmpfs',
      '/root/full',
    ]);
    expect(mounted.code, mounted.stderr).toBe(0);
    const full = await backups.addDestination({
      kind: 'sftp',
      name: 'full disk',
      host: sftpHost.address,
      port: sftpHost.port,
      user: 'root',
      path: '/root/full/repo',
      privateKey: sftpHost.rootPrivateKey,
      knownHosts: sftpHost.hostPublicKey,
    });
    const count = (await backups.list(instance.id)).length;
    await expectCode(
      backups.backup(instance.id, { destinations: [full.id] }).done,
      'BACKUP_DESTINATION_FULL',
    );
    expect((await backups.list(instance.id)).length).toBe(count);
    expect(await tableChecksum()).toBe(before.table);
  });

  it('retention forgets whole backups on every destination and keeps what it should', async () => {
    const before = await backups.list(instance.id);
    expect(before.length).toBeGreaterThanOrEqual(3);
    const removed = await backups.prune(instance.id, { last: 1 });
    const after = await backups.list(instance.id);
    expect(after.map((b) => b.id)).toEqual([before[0]!.id]);
    expect(removed.sort()).toEqual(
      before
        .slice(1)
        .map((b) => b.id)
        .sort(),
    );
    await expectCode(
      backups.restore(instance.id, backupId, { confirm: instance.name }).done,
      'BACKUP_NOT_FOUND',
    );
    // the kept backup still reads back whole from the repository after the prune, and its
    // drill loads it into a throwaway database whose tables all match the manifest
    const drill = backups.verify(instance.id, after[0]!.id);
    await drill.done;
    expect((await backups.list(instance.id))[0]!.verifiedAt).toBeDefined();
    expect(registry.get(instance.id)?.backupStatus?.lastDrill?.ok).toBe(true);
    const messages = progress.filter((p) => p.jobId === drill.jobId).map((p) => p.message);
    expect(messages).toContain('Loading the backup into a throwaway database');
    expect(messages).toContain('Comparing every table with the backup');
    expect(await sql("SELECT count(*) FROM pg_database WHERE datname LIKE 'ub_drill_%'")).toBe('0');
  });

  it('a damaged repository gives BACKUP_REPOSITORY_DAMAGED before anything live is touched', async () => {
    await sql('UPDATE public.items SET body = body WHERE id = 1'); // live writes still work
    const live = await tableChecksum();
    const data = join(dataDir, 'backups/repository/data');
    for (const file of await allFiles(data)) {
      const bytes = await readFile(file);
      for (let i = 64; i < bytes.length; i += 512) bytes[i] = bytes[i]! ^ 0xff;
      await writeFile(file, bytes);
    }
    const kept = (await backups.list(instance.id))[0]!.id;
    await expectCode(
      backups.restore(instance.id, kept, { confirm: instance.name, destination: 'local' }).done,
      'BACKUP_REPOSITORY_DAMAGED',
    );
    expect(await tableChecksum()).toBe(live);
    expect(await checksumTree(storageDir(), storageDir())).toEqual(before.files);
    const failed = progress.filter((p) => p.phase === 'failed').at(-1);
    expect(failed?.error?.code).toBe('BACKUP_REPOSITORY_DAMAGED');
    // A drill of the damaged backup fails, and the project keeps that on its record (it shows
    // "needs attention") while the last verified restore stays the earlier one.
    const verifiedBefore = registry.get(instance.id)?.backupStatus?.lastVerifiedAt;
    expect(verifiedBefore).toBeDefined();
    await expectCode(backups.verify(instance.id, kept, 'local').done, 'BACKUP_REPOSITORY_DAMAGED');
    expect(registry.get(instance.id)?.backupStatus).toMatchObject({
      lastVerifiedAt: verifiedBefore,
      lastDrill: { ok: false, backupId: kept, code: 'BACKUP_REPOSITORY_DAMAGED' },
    });
  });
});
