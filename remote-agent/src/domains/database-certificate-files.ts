import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Instance } from '@protocol/types';
import { writeFileAtomic } from '@common/atomic-write';
import { dbContainer } from '../backups/project-stack';
import { runCommand } from '../docker/compose';
import { DB_CERT_FILE, DB_KEY_FILE, DB_TLS_DIR } from '../stack/volumes/db-tls';
import type { DatabaseCertificateFiles } from './database-access';

/**
 * The project's copy of its domain's certificate, in the folder mounted into its db container.
 * Postgres runs as its own user inside the container and refuses a key anyone else may read:
 * the key belongs to the owner of the data directory (that user, whatever its id in the image)
 * and is 0600; the folder must be traversable by that user.
 */
export function databaseCertificateFiles(
  instanceDir: (id: string) => string,
): DatabaseCertificateFiles {
  const dirOf = (id: string) => path.join(instanceDir(id), DB_TLS_DIR);
  return {
    async read(id) {
      const dir = dirOf(id);
      const cert = await fs.readFile(path.join(dir, DB_CERT_FILE), 'utf8').catch(() => undefined);
      const key = await fs.readFile(path.join(dir, DB_KEY_FILE), 'utf8').catch(() => undefined);
      return cert !== undefined && key !== undefined ? { cert, key } : undefined;
    },
    async write(id, pair) {
      const dir = dirOf(id);
      await fs.mkdir(dir, { recursive: true });
      await fs.chmod(dir, 0o755);
      const owner = await fs
        .stat(path.join(instanceDir(id), 'volumes/db/data'))
        .catch(() => undefined);
      await writeFileAtomic(path.join(dir, DB_CERT_FILE), pair.cert, 0o644);
      const keyFile = path.join(dir, DB_KEY_FILE);
      await writeFileAtomic(keyFile, pair.key, 0o600);
      if (owner) await fs.chown(keyFile, owner.uid, owner.gid);
    },
    async remove(id) {
      await fs.rm(dirOf(id), { recursive: true, force: true });
    },
    async reload(instance: Instance) {
      // A stopped project reads the new files when it starts.
      const container = await dbContainer(instance.project).catch(() => undefined);
      if (!container) return;
      // pg_reload_conf() rereads the certificate. Not a SIGHUP to the container: its PID 1 may
      // be a shell (an entrypoint that does not exec) that a hangup kills.
      const r = await runCommand('docker', ['exec', container, ...RELOAD_SQL], {
        timeoutMs: 30_000,
      });
      if (r.code !== 0 || r.stdout.trim() !== 't') {
        throw new Error(`Postgres did not reload its configuration: ${r.stderr.trim()}`);
      }
    },
  };
}

/** As the image's superuser over its socket, with the password the container already holds. */
const RELOAD_SQL = [
  'psql',
  '-h',
  '/var/run/postgresql',
  '-U',
  'supabase_admin',
  '-d',
  'postgres',
  '-w',
  '-XAtc',
  'select pg_reload_conf()',
];
