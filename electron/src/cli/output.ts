import type { ProjectView, ServerView } from '../contract/api';
import type { ApiErrorShape } from '../contract/errors';

export interface Output {
  json: boolean;
  /** Prints a result: JSON on stdout with --json, otherwise the human rendering. */
  result(value: unknown, human?: () => string): void;
  /** Progress for people: stderr, and only on a terminal (never mixed into --json output). */
  progress(line: string): void;
  error(err: ApiErrorShape): void;
}

export function createOutput(
  json: boolean,
  stdout = process.stdout,
  stderr = process.stderr,
): Output {
  return {
    json,
    result(value, human) {
      if (json) stdout.write(JSON.stringify(value, null, 2) + '\n');
      else if (human) {
        const text = human();
        if (text) stdout.write(text.endsWith('\n') ? text : text + '\n');
      } else stdout.write(JSON.stringify(value, null, 2) + '\n');
    },
    progress(line) {
      if (stderr.isTTY && !json) stderr.write(line + '\n');
    },
    error(err) {
      if (json) stdout.write(JSON.stringify({ error: err }, null, 2) + '\n');
      stderr.write(`error ${err.code}: ${err.message}\n`);
    },
  };
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [fmt(headers), ...rows.map(fmt)].join('\n');
}

export function serversTable(servers: ServerView[]): string {
  return table(
    ['NAME', 'ID', 'HOST', 'USER', 'AUTH', 'STATE', 'HOST KEY'],
    servers.map((s) => [
      s.name,
      s.id,
      s.kind === 'local' ? '(this computer)' : `${s.host}:${s.port}`,
      s.username,
      s.auth,
      s.state,
      s.hostKey?.fingerprint ?? (s.kind === 'local' ? '-' : 'not trusted'),
    ]),
  );
}

export function projectsTable(projects: ProjectView[]): string {
  return table(
    ['SERVER', 'NAME', 'ID', 'STATUS', 'EXPOSURE', 'API', 'POSTGRES'],
    projects.map((p) => [
      p.serverName,
      p.name,
      p.id,
      p.status,
      p.exposure,
      String(p.ports.kongHttp),
      String(p.ports.postgres),
    ]),
  );
}
