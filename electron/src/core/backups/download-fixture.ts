// Test data for downloads (not a test): a backup's manifest, its dump, and archives built as
// Go's archive/tar (restic dump) writes them: ustar headers, a PAX record for a long name.
import { createHash } from 'node:crypto';
import type { BackupManifest } from '@protocol/backups';
import type { BackupDownloadItem } from '@protocol/backup-transfer';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function header(name: string, size: number, type: string): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}
const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);

export function tar(entries: Array<{ path: string; body?: Buffer }>): Buffer {
  const out: Buffer[] = [];
  for (const e of entries) {
    if (!e.body) {
      out.push(header(`${e.path}/`, 0, '5'));
      continue;
    }
    if (e.path.length > 100) {
      const record = ` path=${e.path}\n`;
      let len = record.length;
      len += String(len + String(len).length).length;
      const pax = Buffer.from(`${len}${record}`);
      out.push(header('PaxHeaders/x', pax.length, 'x'), pad(pax));
    }
    out.push(header(e.path, e.body.length, '0'), pad(e.body));
  }
  out.push(Buffer.alloc(1024));
  return Buffer.concat(out);
}

export const longName = `${'n'.repeat(120)}.png`;
export const files = {
  'data/storage/stub/bucket/a.png': Buffer.from('a png, really'),
  [`data/storage/stub/bucket/${longName}`]: Buffer.alloc(70_000, 7),
  'data/functions/hello/index.ts': Buffer.from('export default () => "hi";\n'),
};
export const dump = Buffer.from(
  'CREATE TABLE public.items (id int);\nCOPY public.items FROM stdin;\n1\n\\.\n',
);
export const roles = 'CREATE ROLE anon;\n';

export function manifest(): BackupManifest {
  const entries = Object.entries(files).map(([path, body]) => ({
    path: path.replace(/^data\//, 'volumes/'),
    bytes: body.length,
    sha256: sha(body),
  }));
  return {
    format: 1,
    id: 'b20261202t080000z-abc123',
    kind: 'manual',
    instanceId: 'p1',
    instanceName: 'shop',
    agentVersion: 'test',
    startedAt: '2026-12-02T08:00:00.000Z',
    finishedAt: '2026-12-02T08:00:05.000Z',
    database: { file: 'db.sql', bytes: dump.length, sha256: sha(dump), durationMs: 1, tables: [] },
    roles: { bytes: roles.length, sha256: sha(roles) },
    files: {
      count: entries.length,
      bytes: entries.reduce((n, e) => n + e.bytes, 0),
      durationMs: 1,
      entries,
    },
    snapshots: { local: { db: 's1', files: 's2' } },
  };
}

/** The stream as the agent sends it: parts, then base64 chunks of `size` bytes. */
export function items(parts: Record<string, Buffer>, size = 1000): BackupDownloadItem[] {
  const out: BackupDownloadItem[] = [];
  for (const [part, body] of Object.entries(parts)) {
    out.push({ part: part as 'database' });
    for (let i = 0; i < body.length; i += size) {
      out.push({ data: body.subarray(i, i + size).toString('base64') });
    }
  }
  return out;
}

export const storageTar = () =>
  tar([
    { path: 'data/storage' },
    { path: 'data/storage/stub/bucket' },
    ...Object.entries(files)
      .filter(([p]) => p.startsWith('data/storage/'))
      .map(([path, body]) => ({ path, body })),
  ]);
export const functionsTar = () =>
  tar([{ path: 'data/functions/hello/index.ts', body: files['data/functions/hello/index.ts'] }]);

/** What the writer is told when the stream opens: the backup and the progress total. */
export function expectedOf(m: BackupManifest, roles = false) {
  return {
    backupId: m.id,
    totalBytes: m.database.bytes + m.files.bytes + (roles ? m.roles.bytes : 0),
  };
}

/** The manifest part as the agent sends it first. */
export const manifestPart = (m: BackupManifest) => Buffer.from(JSON.stringify(m));
