import type { DiagnosticCheck } from '@protocol/types';
import { currentLocale, t } from '../i18n/i18n';

/**
 * The agent writes its checks in English. In English they are shown as written; in another
 * language the title comes from the check's stable id and the fix from a table of the agent's
 * known sentences. A check or sentence the catalogue does not know yet stays in English, as
 * errors do; the evidence (raw facts: states, HTTP answers) is never translated.
 */
export function checkTitle(check: Pick<DiagnosticCheck, 'id' | 'title' | 'service'>): string {
  if (currentLocale() === 'en') return check.title;
  const [head, ...rest] = check.id.split('.');
  const service = check.service ?? rest.join('.');
  switch (head) {
    case 'docker':
      return t('diagnostics.checks.docker');
    case 'network':
      return t('diagnostics.checks.network');
    case 'files':
      return t('diagnostics.checks.files');
    case 'container':
      return t('diagnostics.checks.container', { service });
    case 'direct':
      return t('diagnostics.checks.direct', { service });
    case 'logs':
      return t('diagnostics.checks.logs', { service });
    case 'api':
      return rest[0] === 'keys'
        ? t('diagnostics.checks.apiKeys')
        : t('diagnostics.checks.throughKong', { service });
    case 'keys':
      return t('diagnostics.checks.jwt');
    case 'host':
      return t('diagnostics.checks.orphans');
    case 'postgres':
      if (rest[0] === 'direct') return t('diagnostics.checks.postgresDirect');
      if (rest[0] === 'session') return t('diagnostics.checks.postgresSession');
      if (rest[0] === 'transaction') return t('diagnostics.checks.postgresTransaction');
      return check.title;
    default:
      return check.title;
  }
}

const FIXES: Record<string, FixKey> = {
  'Start Docker (systemctl start docker), then diagnose again.': 'startDocker',
  'Run a repair: "compose up --remove-orphans" removes it.': 'removeOrphan',
  'Run a repair: it recreates the network and reattaches every container.': 'recreateNetwork',
  'Run a repair: it recreates those containers on the network.': 'reattach',
  'Restore secrets.json of this instance from a backup; repair cannot invent its passwords.':
    'restoreSecrets',
  'Run a repair: it re-renders these files from the registry and applies them.': 'rerender',
  'Check the "kong" container above; a repair starts it again.': 'checkKong',
  'Kong’s keys differ from the instance’s: run a repair (re-renders kong.yml and .env).':
    'kongKeys',
  'Run a repair to restore kong.yml.': 'restoreKongYml',
  'The keys no longer match the JWT secret: issue new keys for this instance.': 'newKeys',
  'Run a repair.': 'repair',
  'Read this service’s logs.': 'readLogs',
  'The process does not answer: a repair restarts it.': 'notAnswering',
  'Run a repair: it removes them (their data volumes are kept).': 'removeLeftovers',
  'Run a repair: "compose up" recreates the container from the compose file.': 'recreate',
  'Restarting will not help by itself: read this service’s log lines below for the cause (configuration, image, or a dependency), fix it, then run a repair.':
    'crashLoop',
  'Run a repair to restart it; if it turns unhealthy again, read its logs.': 'unhealthy',
  'It ran out of memory: free memory on the server (or stop another instance), then run a repair.':
    'oom',
  'Run a repair to start it again.': 'startAgain',
  'Wait a minute and diagnose again.': 'wait',
  'Look at its logs for why it restarted.': 'restarted',
  'Read the full log of this service (Logs tab) around those lines.': 'fullLog',
  'The service may be hanging: restart it (run a repair).': 'hanging',
  'Check the "db" container above and its logs.': 'checkDb',
};
type FixKey =
  | 'startDocker'
  | 'removeOrphan'
  | 'recreateNetwork'
  | 'reattach'
  | 'restoreSecrets'
  | 'rerender'
  | 'checkKong'
  | 'kongKeys'
  | 'restoreKongYml'
  | 'newKeys'
  | 'repair'
  | 'readLogs'
  | 'notAnswering'
  | 'removeLeftovers'
  | 'recreate'
  | 'crashLoop'
  | 'unhealthy'
  | 'oom'
  | 'startAgain'
  | 'wait'
  | 'restarted'
  | 'fullLog'
  | 'hanging'
  | 'checkDb';

/** `Check the "auth" and "kong" containers above…`: the one sentence with names in it. */
const CHECK_TWO =
  /^Check the "([\w-]+)" and "([\w-]+)" containers above(?: and their logs)?; a repair restarts what is down\.$/;

export function checkFix(fix: string): string {
  if (currentLocale() === 'en') return fix;
  const key = FIXES[fix];
  if (key) return t(`diagnostics.fixes.${key}`);
  const two = CHECK_TWO.exec(fix);
  if (two) return t('diagnostics.fixes.checkTwo', { a: two[1]!, b: two[2]! });
  return fix;
}
