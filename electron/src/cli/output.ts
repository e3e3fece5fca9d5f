import type { ProjectView, ServerView, UserPublic } from '@contract/api';
import type { Translate } from './i18n';

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [fmt(headers), ...rows.map(fmt)].join('\n');
}

export function serversTable(servers: ServerView[], t: Translate): string {
  return table(
    (
      [
        'headers.name',
        'headers.id',
        'headers.host',
        'headers.user',
        'headers.auth',
        'headers.state',
        'headers.hostKey',
      ] as const
    ).map((key) => t(key)),
    servers.map((s) => [
      s.name,
      s.id,
      s.kind === 'local' ? t('results.thisComputer') : `${s.host}:${s.port}`,
      s.username,
      s.auth,
      s.state,
      s.hostKey?.fingerprint ?? (s.kind === 'local' ? '-' : t('results.notTrusted')),
    ]),
  );
}

export function projectsTable(projects: ProjectView[], t: Translate): string {
  return table(
    (
      [
        'headers.server',
        'headers.name',
        'headers.id',
        'headers.status',
        'headers.exposure',
        'headers.api',
        'headers.postgres',
      ] as const
    ).map((key) => t(key)),
    projects.map((p) => [
      p.serverName,
      p.name,
      p.id,
      t(`status.${p.status}`),
      p.exposure,
      String(p.ports.kongHttp),
      String(p.ports.postgres),
    ]),
  );
}

export function usersTable(users: UserPublic[], t: Translate): string {
  return table(
    [t('headers.user'), t('headers.role'), t('headers.disabled'), t('headers.grants')],
    users.map((u) => [u.username, u.role, u.disabled ? t('results.yes') : '', u.grants.join(',')]),
  );
}
