import type { CheckOutcome } from './run';

const ERROR_LINE = /\b(error|fatal|panic)\b/i;

/**
 * Lines that mention error, fatal or panic among a service's last log lines. A warning only:
 * healthy services log errors too (a client's bad request), so they never trigger a repair,
 * but they are where a person looks first. Secrets are masked before a line leaves the agent.
 */
export function judgeLogLines(lines: readonly string[], secrets: readonly string[]): CheckOutcome {
  const hits = lines.filter((l) => ERROR_LINE.test(l));
  if (hits.length === 0) {
    return { status: 'ok', evidence: `No error lines in the last ${lines.length} lines.` };
  }
  const latest = hits.slice(-3).map((l) => `  ${maskSecrets(l, secrets).slice(0, 300)}`);
  return {
    status: 'warn',
    evidence: `${hits.length} of the last ${lines.length} lines mention error/fatal/panic; latest:\n${latest.join('\n')}`,
    fix: 'Read the full log of this service (Logs tab) around those lines.',
  };
}

export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 8) out = out.split(secret).join('••••');
  return out;
}
