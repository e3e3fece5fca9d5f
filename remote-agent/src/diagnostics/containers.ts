import type { ServiceState } from '@protocol/types';
import { isCrashLoopingNow } from '../instances/state';
import type { CheckOutcome } from './run';

/** What Docker's view of one service's container says, as a check outcome. */
export function judgeContainer(s: ServiceState): CheckOutcome {
  const facts = describeState(s);
  if (s.state === 'missing') {
    return {
      status: 'fail',
      evidence: 'No container exists for this service.',
      fix: 'Run a repair: "compose up" recreates the container from the compose file.',
    };
  }
  if (isCrashLoopingNow(s)) {
    return {
      status: 'fail',
      evidence: `Crash loop: ${facts}.`,
      fix:
        'Restarting will not help by itself: read this service’s log lines below for the cause ' +
        '(configuration, image, or a dependency), fix it, then run a repair.',
    };
  }
  if (s.state === 'running' && s.health === 'unhealthy') {
    return {
      status: 'fail',
      evidence: `Running but its healthcheck fails (${facts}).`,
      fix: 'Run a repair to restart it; if it turns unhealthy again, read its logs.',
    };
  }
  if (s.state !== 'running') {
    return {
      status: 'fail',
      evidence: `Not running: ${facts}.`,
      fix: s.oomKilled
        ? 'It ran out of memory: free memory on the server (or stop another instance), then run a repair.'
        : 'Run a repair to start it again.',
    };
  }
  if (s.health === 'starting') {
    return {
      status: 'warn',
      evidence: `Starting (${facts}).`,
      fix: 'Wait a minute and diagnose again.',
    };
  }
  if (s.restarts > 0) {
    return {
      status: 'warn',
      evidence: `Running now, but restarted ${s.restarts} time${s.restarts === 1 ? '' : 's'} (${facts}).`,
      fix: 'Look at its logs for why it restarted.',
    };
  }
  return { status: 'ok', evidence: facts };
}

export function describeState(s: ServiceState): string {
  const parts = [s.state];
  if (s.health !== 'none') parts.push(`health ${s.health}`);
  if (s.exitCode !== undefined && s.state !== 'running') {
    parts.push(`exit code ${s.exitCode}${exitMeaning(s.exitCode, s.oomKilled)}`);
  }
  if (s.restarts > 0) parts.push(`${s.restarts} restart${s.restarts === 1 ? '' : 's'}`);
  if (s.oomKilled) parts.push('killed: out of memory');
  return parts.join(', ');
}

function exitMeaning(code: number, oom: boolean | undefined): string {
  if (code === 137 && !oom) return ' (killed with SIGKILL)';
  if (code === 143) return ' (stopped with SIGTERM)';
  if (code === 0) return ' (stopped)';
  return '';
}
