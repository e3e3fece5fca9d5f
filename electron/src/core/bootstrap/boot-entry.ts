import { shellCommand, shellQuote } from '../ssh/shell-quote';
import type { RemoteLayout } from './plan';
import { detachedServeScript } from './launch';

/**
 * Start at boot where there is no systemd to supervise the agent (a container-like VPS, a login
 * without root): an `@reboot` line in the agent user's own crontab. Cron runs it once at boot, as
 * that user, and the agent itself waits for Docker and brings the projects back (startup/).
 * The line ends with this marker so it is found again, replaced on upgrade and removed, without
 * touching the person's other lines.
 */
export const BOOT_MARKER = '# ultrabase-agent';

/**
 * The crontab line: what the detached start runs (install.ts), minus the wait for the socket —
 * nobody is waiting at boot. The pid file and a fresh socket as the detached start leaves them.
 */
export function bootCronLine(layout: RemoteLayout, nodePath: string): string {
  const q = shellQuote;
  const inner = detachedServeScript();
  const command = [
    `mkdir -p -m 700 ${q(layout.runDir)} ${q(layout.dataDir)}`,
    `rm -f ${q(layout.socketPath)}`,
    `sh -c ${q(inner)} ${shellCommand([layout.pidFile, nodePath, layout.bundlePath, layout.dataDir, layout.socketPath])} </dev/null >>${q(`${layout.runDir}/agent.out`)} 2>&1`,
  ].join('; ');
  // Cron reads an unescaped % as the end of the command (the rest becomes its stdin).
  return `@reboot ${command.replace(/%/g, '\\%')} ${BOOT_MARKER}`;
}

/**
 * Puts `line` in the user's crontab in place of any earlier Ultrabase line, keeping every other
 * line; writes nothing when the line is there already. Prints `crontab: installed`,
 * `crontab: unchanged` or `crontab: missing` (no crontab program: no start at boot).
 */
export function installBootEntryCommand(line: string): string {
  const script = [
    'command -v crontab >/dev/null 2>&1 || { echo "crontab: missing"; exit 0; }',
    'current=$(crontab -l 2>/dev/null) || current=',
    'if printf "%s\\n" "$current" | grep -qxF -- "$1"; then echo "crontab: unchanged"; exit 0; fi',
    '{ [ -z "$current" ] || printf "%s\\n" "$current" | grep -vF -- "$2" || true; printf "%s\\n" "$1"; } | crontab - || exit 1',
    'echo "crontab: installed"',
  ].join('\n');
  return shellCommand(['sh', '-c', script, 'sh', line, BOOT_MARKER]);
}

/**
 * Takes the Ultrabase line out of the user's crontab (systemd now starts the agent, or it is
 * uninstalled), keeping every other line; the crontab goes when nothing else is left in it.
 */
export function removeBootEntryCommand(): string {
  const script = [
    'command -v crontab >/dev/null 2>&1 || exit 0',
    'current=$(crontab -l 2>/dev/null) || exit 0',
    'printf "%s\\n" "$current" | grep -qF -- "$1" || exit 0',
    'rest=$(printf "%s\\n" "$current" | grep -vF -- "$1") || rest=',
    'if [ -z "$rest" ]; then crontab -r; else printf "%s\\n" "$rest" | crontab -; fi',
  ].join('\n');
  return shellCommand(['sh', '-c', script, 'sh', BOOT_MARKER]);
}
