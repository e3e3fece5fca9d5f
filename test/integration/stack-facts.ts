// The raw facts of a project's stack as the machine's one Docker engine sees them, independent of
// the agent and the core: its db container, SQL run inside it, its network. For tests that
// check what an operation really left behind.
import { execFile } from 'node:child_process';

export const docker = (args: string[], timeoutMs = 300_000) =>
  new Promise<string>((resolve, reject) =>
    execFile(
      'docker',
      args,
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, out, errOut) =>
        err
          ? reject(new Error(`docker ${args.slice(0, 3).join(' ')}: ${err.message}\n${errOut}`))
          : resolve(out),
    ),
  );

const lines = (out: string) => out.split('\n').filter(Boolean);

/** Containers of a compose project (`ub_<id>`), running or not. */
export async function containersOf(project: string): Promise<string[]> {
  return lines(
    await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`]),
  );
}

export async function dbContainerOf(project: string): Promise<string> {
  const found = lines(
    await docker([
      'ps',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      '--filter',
      'label=com.docker.compose.service=db',
    ]),
  );
  if (found.length !== 1) throw new Error(`${project}: ${found.length} running db containers`);
  return found[0]!;
}

/** One query as supabase_admin over the db container's socket; rows as psql -At prints them. */
export async function sqlIn(project: string, query: string): Promise<string> {
  return (
    await docker([
      'exec',
      await dbContainerOf(project),
      'psql',
      '-h',
      '/var/run/postgresql',
      '-U',
      'supabase_admin',
      '-d',
      'postgres',
      '-X',
      '-At',
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      query,
    ])
  ).trim();
}

/** `<rows>:<md5 over every row in key order>` of a table with an `id` key. */
export const tableChecksum = (project: string, table: string) =>
  sqlIn(
    project,
    `SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY id)) FROM ${table} t`,
  );

/** 't' when GoTrue's own check (bcrypt via pgcrypto) accepts the password for that user. */
export const canSignIn = (project: string, email: string, password: string) =>
  sqlIn(
    project,
    `SELECT encrypted_password = extensions.crypt('${password}', encrypted_password) ` +
      `FROM auth.users WHERE email = '${email}'`,
  );

/** The project's networks (name → subnet), read from its db container. */
export async function networksOf(project: string): Promise<Record<string, string>> {
  const names = Object.keys(
    JSON.parse(
      await docker([
        'inspect',
        '-f',
        '{{json .NetworkSettings.Networks}}',
        await dbContainerOf(project),
      ]),
    ) as Record<string, unknown>,
  );
  const out: Record<string, string> = {};
  for (const name of names) {
    out[name] = (
      await docker(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}}{{end}}', name])
    ).trim();
  }
  return out;
}

/** The host ports the project's running containers publish. */
export async function publishedPortsOf(project: string): Promise<number[]> {
  const out = await docker([
    'ps',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--format',
    '{{.Ports}}',
  ]);
  return [...out.matchAll(/:(\d+)->/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
}

/** Removes a project's containers and networks straight from the engine (test clean-up). */
export async function removeProjectFromEngine(project: string): Promise<void> {
  const cs = await containersOf(project).catch(() => []);
  if (cs.length) await docker(['rm', '-fv', ...cs]).catch(() => undefined);
  const nets = lines(
    await docker([
      'network',
      'ls',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${project}`,
    ]).catch(() => ''),
  );
  for (const net of nets) await docker(['network', 'rm', net]).catch(() => undefined);
}

/**
 * '1' when `role` logs in with `password` over TCP inside the db container (the way the
 * project's services do), else 'refused'.
 */
export async function roleLogin(project: string, role: string, password: string): Promise<string> {
  return docker([
    'exec',
    '-e',
    `PGPASSWORD=${password}`,
    '-e',
    `PGUSER=${role}`,
    await dbContainerOf(project),
    'sh',
    '-c',
    'psql -h "$(hostname -i)" -d postgres -X -At -c "select 1"',
  ]).then(
    (out) => out.trim(),
    () => 'refused',
  );
}
