import type { MethodName } from '@protocol/methods';

/**
 * Which calls change something and so land in the audit log, and what each one targets.
 * Logins are included, failed ones too: they are how an operator spots a guessing loop. Those
 * (`countRefusals`) are summed per name and code per window: one line per key, not per try.
 * `detail` never carries a secret (no passwords, no tokens): only what changed.
 */
interface AuditRule {
  target(params: Record<string, unknown>, result: unknown): string | undefined;
  detail?(params: Record<string, unknown>): Record<string, unknown>;
  /** Failures are counted into a periodic summary entry instead of written one by one. */
  countRefusals?: boolean;
}

const byId: AuditRule = { target: (p) => str(p.id) };
const byUser: AuditRule = { target: (p) => str(p.username) };

export const AUDITED: Partial<Record<MethodName, AuditRule>> = {
  'auth.login': { target: (p) => str(p.username), countRefusals: true },
  'auth.logout': { target: () => undefined },
  'auth.changePassword': { target: () => undefined, countRefusals: true },
  'users.create': { target: (p) => str(p.username), detail: (p) => ({ role: p.role }) },
  'users.update': {
    target: (p) => str(p.username),
    detail: (p) => ({
      ...(p.role !== undefined ? { role: p.role } : {}),
      ...(p.disabled !== undefined ? { disabled: p.disabled } : {}),
      ...(p.password !== undefined ? { passwordChanged: true } : {}),
      ...(p.unlock === true ? { unlock: true } : {}),
    }),
  },
  'users.delete': byUser,
  'users.grant': { target: (p) => str(p.instanceId), detail: (p) => ({ username: p.username }) },
  'users.revoke': { target: (p) => str(p.instanceId), detail: (p) => ({ username: p.username }) },
  'staff.add': { target: (p) => str(p.username), detail: (p) => ({ role: p.role }) },
  'staff.remove': byUser,
  'instances.create': {
    target: (_p, result) => (result as { instance?: { id?: string } } | undefined)?.instance?.id,
    detail: (p) => ({ name: p.name, exposure: p.exposure ?? 'private', dryRun: p.dryRun === true }),
  },
  'instances.start': byId,
  'instances.stop': byId,
  'instances.restart': byId,
  'instances.delete': byId,
  'instances.cancel': byId,
  'instances.repair': { target: (p) => str(p.id), detail: (p) => ({ dryRun: p.dryRun === true }) },
  'domains.add': {
    target: (p) => str(p.id),
    detail: (p) => ({ hostname: p.hostname, target: p.target ?? 'api' }),
  },
  'domains.remove': { target: (p) => str(p.id), detail: (p) => ({ hostname: p.hostname }) },
  'domains.update': {
    target: (p) => str(p.id),
    detail: (p) => ({
      hostname: p.hostname,
      ...(p.hsts === undefined ? {} : { hsts: p.hsts }),
      ...(p.studioAllowIps === undefined ? {} : { studioAllowIps: p.studioAllowIps }),
    }),
  },
  'domains.database.set': {
    target: (p) => str(p.id),
    detail: (p) => ({ enabled: p.enabled, ...(p.hostname ? { hostname: p.hostname } : {}) }),
  },
  // The keys that changed, never their values (some are passwords).
  'instances.settings.set': {
    target: (p) => str(p.id),
    detail: (p) => ({
      keys: Object.keys((p.changes ?? {}) as Record<string, unknown>).sort(),
      dryRun: p.dryRun === true,
    }),
  },
  'instances.settings.rotate': {
    target: (p) => str(p.id),
    detail: (p) => ({ secret: p.secret, dryRun: p.dryRun === true }),
  },
  'instances.settings.testEmail': byId,
  'instances.upgrade': {
    target: (p) => str(p.id),
    detail: (p) => ({ release: p.release ?? 'newest' }),
  },
  'instances.upgradePostgres': {
    target: (p) => str(p.id),
    detail: (p) => ({ release: p.release ?? 'newest' }),
  },
  'instances.reshape': {
    target: (p) => str(p.id),
    detail: (p) => ({
      ...(p.size !== undefined ? { size: p.size } : {}),
      ...(p.optionalServices !== undefined ? { optionalServices: p.optionalServices } : {}),
      dryRun: p.dryRun === true,
    }),
  },
  'alerts.channels.set': {
    target: (_p, result) => (result as { channel?: { id?: string } } | undefined)?.channel?.id,
    detail: (p) => ({ type: (p.channel as { config?: { type?: unknown } }).config?.type }),
  },
  'alerts.channels.delete': byId,
  'alerts.rules.set': { target: () => undefined },
  'alerts.settings.set': { target: () => undefined },
  'alerts.test': byId,
  'instances.setTags': { target: (p) => str(p.id), detail: (p) => ({ tags: p.tags }) },
  // Each item is audited by the bulk runner as it finishes (bulk/runner.ts).
  'bulk.start': {
    target: () => undefined,
    detail: (p) => ({ action: p.action, count: Array.isArray(p.ids) ? p.ids.length : 0 }),
  },
  'backups.create': byId,
  'backups.restore': { target: (p) => str(p.id), detail: (p) => ({ backupId: p.backupId }) },
  'backups.verify': { target: (p) => str(p.id), detail: (p) => ({ backupId: p.backupId }) },
  // A whole copy of the data leaving the server: who took which backup, and whether with roles.
  'backups.download': {
    target: (p) => str(p.id),
    detail: (p) => ({ backupId: p.backupId, roles: p.roles === true }),
  },
  'backups.destinations.add': {
    target: (_p, result) =>
      (result as { destination?: { id?: string } } | undefined)?.destination?.id,
    detail: (p) => ({ kind: (p.destination as { kind?: unknown } | undefined)?.kind }),
  },
  'backups.destinations.remove': byId,
  'backups.schedule': {
    target: (p) => str(p.id),
    detail: (p) => ({ schedule: p.schedule === undefined ? 'read' : (p.schedule ?? 'removed') }),
  },
  'backups.clone': {
    target: (p) => str(p.id),
    detail: (p) => ({ backupId: p.backupId, name: p.name }),
  },
  // Who fetched the repository password, never the password.
  'backups.key': { target: () => undefined },
  // Where the backup came from and what was created; never the password or the credentials.
  'backups.import': {
    target: (_p, result) => (result as { instance?: { id?: string } } | undefined)?.instance?.id,
    detail: (p) => ({
      name: p.name,
      destination: (p.source as { destination?: { kind?: unknown } } | undefined)?.destination
        ?.kind,
      from: p.from,
    }),
  },
  // An uploaded pg_dump imported into a new project: what was created and how big it was.
  'backups.dumpImport.begin': {
    target: (_p, result) => (result as { instance?: { id?: string } } | undefined)?.instance?.id,
    detail: (p) => ({ name: p.name, dumpBytes: p.dumpBytes, storage: p.storage }),
  },
  'backups.dumpImport.finish': {
    target: (_p, result) => (result as { instance?: { id?: string } } | undefined)?.instance?.id,
  },
  'backups.dumpImport.cancel': { target: () => undefined },
};

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
