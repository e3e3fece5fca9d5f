import { describe, expect, it } from 'vitest';
import type { DumpImportStatus } from '@contract/backups';
import { fakeDesktop, fakeIo, project, run } from '../cli-test-kit';

const REPORT = {
  dumpBytes: 4_800_000,
  errorCount: 2,
  errors: [
    { line: 41, message: 'schema "auth" already exists' },
    { line: 97, message: 'role "authenticator" already exists' },
  ],
  files: 3,
  fileBytes: 90_000,
  durationMs: 9_000,
};

function desktopWithImport(statuses: DumpImportStatus[]) {
  const d = fakeDesktop({ projects: [project({ name: 'shop', serverId: 'srv-web' })] });
  Object.assign(d, {
    startDumpImport: async (...args: unknown[]) => {
      d.calls.push(['startDumpImport', ...args]);
      return { importId: 'i000000000001' };
    },
    dumpImportStatus: async () => statuses.shift(),
    cancelDumpImport: async (...args: unknown[]) => {
      d.calls.push(['cancelDumpImport', ...args]);
      return { ok: true };
    },
  });
  return d;
}

const progress = (phase: DumpImportStatus['progress']['phase'], bytes: number) => ({
  phase,
  bytes,
  totalBytes: 4_890_000,
  files: 0,
  totalFiles: 3,
});

describe('backups import', () => {
  it('starts the import with absolute paths, follows it, and prints the report as JSON', async () => {
    const d = desktopWithImport([
      { serverId: 'srv-web', finished: false, progress: progress('uploading-dump', 1_000_000) },
      {
        serverId: 'srv-web',
        finished: true,
        progress: progress('done', 4_890_000),
        report: REPORT,
      },
    ]);
    const r = await run(
      [
        'backups',
        'import',
        'web',
        '--dump',
        'old.sql',
        '--storage',
        '/data/storage',
        '--into',
        'shop2',
        '--json',
      ],
      d,
      fakeIo(),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ report: { errorCount: 2, files: 3 } });
    const start = d.calls.find((c) => c[0] === 'startDumpImport')!;
    expect(start[2]).toEqual({
      dumpPath: `${process.cwd()}/old.sql`,
      storageDir: '/data/storage',
      name: 'shop2',
    });
    expect(r.stderr).toBe(''); // --json: no progress lines
  });

  it('prints plain progress lines on a pipe, and the refused statements with their lines', async () => {
    const d = desktopWithImport([
      { serverId: 'srv-web', finished: false, progress: progress('creating', 0) },
      { serverId: 'srv-web', finished: false, progress: progress('uploading-dump', 2_445_000) },
      {
        serverId: 'srv-web',
        finished: true,
        progress: progress('done', 4_890_000),
        report: REPORT,
      },
    ]);
    const r = await run(
      ['backups', 'import', 'web', '--dump', '/x.sql', '--into', 'shop2'],
      d,
      fakeIo(),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('shop2 0% creating the project');
    expect(r.stderr).toContain('sending the dump 2.4/4.9 MB, 0/3');
    expect(r.stdout).toContain('line 41: schema "auth" already exists');
  });

  it('draws a bar on a terminal', async () => {
    const d = desktopWithImport([
      { serverId: 'srv-web', finished: false, progress: progress('uploading-dump', 2_445_000) },
      {
        serverId: 'srv-web',
        finished: true,
        progress: progress('done', 4_890_000),
        report: REPORT,
      },
    ]);
    const r = await run(
      ['backups', 'import', 'web', '--dump', '/x.sql', '--into', 'shop2'],
      d,
      fakeIo({ tty: true }),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/shop2 [█░]{24} 100%/);
  });

  it('in Portuguese, the human text changes and --json does not', async () => {
    const statuses = () => [
      {
        serverId: 'srv-web',
        finished: true,
        progress: progress('done', 4_890_000),
        report: REPORT,
      },
    ];
    const pt = await run(
      ['backups', 'import', 'web', '--dump', '/x.sql', '--into', 'shop2'],
      desktopWithImport(statuses()),
      fakeIo({ env: { LANG: 'pt_BR.UTF-8' } }),
    );
    expect(pt.stdout).toContain('linha 41');
    const json = (env: Record<string, string>) =>
      run(
        ['backups', 'import', 'web', '--dump', '/x.sql', '--into', 'shop2', '--json'],
        desktopWithImport(statuses()),
        fakeIo({ env }),
      );
    expect((await json({ LANG: 'pt_BR.UTF-8' })).stdout).toBe((await json({ LANG: 'C' })).stdout);
  });

  it('fails with the import error code', async () => {
    const d = desktopWithImport([
      {
        serverId: 'srv-web',
        finished: true,
        progress: progress('failed', 0),
        error: { code: 'IMPORT_UNSUPPORTED_FORMAT', message: 'custom-format dump' },
      },
    ]);
    const r = await run(
      ['backups', 'import', 'web', '--dump', '/x.dump', '--into', 'shop2', '--json'],
      d,
      fakeIo(),
    );
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('IMPORT_UNSUPPORTED_FORMAT');
  });

  it('needs --dump and --into', async () => {
    const r = await run(
      ['backups', 'import', 'web', '--into', 'shop2'],
      desktopWithImport([]),
      fakeIo(),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--dump');
  });
});
