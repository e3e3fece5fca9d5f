// What each stand-in image is made of. Layers: `node-base` (node, its libraries, busybox, /etc)
// → `runtime` (the stand-in program and the commands the kit's healthchecks call) → one small
// image per service (environment, user, entrypoint, healthcheck, stop signal, as the official
// image has them). `postgres` is separate: Debian's PostgreSQL 15 with busybox, no node.
import { execFile } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { ContentHash } from './hash';
import { Rootfs, sharedLibraries } from './rootfs';
import { caddyImage } from './caddy';
import { resticStandin } from './restic';

const run = promisify(execFile);

export const STANDIN_DIR = join(import.meta.dirname, '..');
const PROGRAM_DIR = join(STANDIN_DIR, 'program');
const DB_DIR = join(STANDIN_DIR, 'db');
const BUILD_DIR = join(STANDIN_DIR, 'build');
const RUNTIME_DIR = join(STANDIN_DIR, 'runtime');
/** The agent's Postgres client and JWT helper, which the stand-in program bundles too. */
const COMMON_DIR = join(STANDIN_DIR, '../../../remote-agent/src/common');
const COMMON_SOURCES = ['pg-client.ts', 'scram.ts', 'jwt.ts'].map((f) => join(COMMON_DIR, f));

const PG_BIN = '/usr/lib/postgresql/15/bin';
const PG_LIB = '/usr/lib/postgresql/15/lib';
const PG_SHARE = '/usr/share/postgresql/15';
const PG_BINARIES = [
  'postgres',
  'initdb',
  'pg_ctl',
  'psql',
  'pg_isready',
  'pg_dump',
  'pg_dumpall',
  'pg_restore',
  'createdb',
  'dropdb',
  'createuser',
  'dropuser',
  'pg_controldata',
  'pg_resetwal',
  'pg_basebackup',
];
/** JIT needs libLLVM (~100 MB); the config turns JIT off instead. */
const PG_LIB_SKIP = /^(llvmjit.*|sepgsql\.so)$/;
const NODE = '/usr/bin/node';
/** Where the ldd answers are cached (the repository's .cache is ignored by git and prettier). */
const CACHE_DIR = join(STANDIN_DIR, '../../../.cache/standin');
const STANDIN_JS = '/opt/standin/standin.cjs';

export const REPOSITORY = 'ultrabase-standin';

export interface ImageSpec {
  /** `ultrabase-standin/<short>` */
  short: string;
  /** The official image (without tag) this stands in for; absent for inner layers. */
  official?: string;
  /** Key in images-extra.json, for fault-injection images. */
  extraKey?: string;
  parent?: string;
  /** What the image's content depends on, beyond its parent. */
  hashInputs(hash: ContentHash): unknown;
  /** Fills the build context folder; `from` is the parent's tag. */
  stage?(dir: string, from: string | undefined): Promise<void>;
  /** Instead of a build: configuration changes committed on top of the parent. */
  changes?: string[];
}

function dockerfile(lines: (string | false | undefined)[]): string {
  return lines.filter((l): l is string => typeof l === 'string').join('\n') + '\n';
}

function pgLibraries(): string[] {
  return readdirSync(PG_LIB)
    .filter((name) => name.endsWith('.so') && !PG_LIB_SKIP.test(name))
    .map((name) => join(PG_LIB, name));
}

function pgBinaries(): string[] {
  return [...PG_BINARIES.map((b) => join(PG_BIN, b)), ...pgLibraries()];
}

/**
 * The host files an image copies, for its hash: binaries, their libraries (from the cached ldd
 * answer, computed on first use) and trees.
 */
async function hostInputs(binaries: string[], trees: string[]): Promise<string[]> {
  return [...binaries, ...(await sharedLibraries(binaries, CACHE_DIR)), ...trees];
}

const nodeBase: ImageSpec = {
  short: 'node-base',
  hashInputs: async (h) =>
    h.hostFiles(await hostInputs([NODE], ['/bin/busybox'])).sources(BUILD_DIR),
  async stage(dir) {
    const fs = new Rootfs(join(dir, 'rootfs'));
    await fs.librariesOf([NODE], CACHE_DIR);
    fs.copy(NODE, '/usr/local/bin/node');
    await fs.busybox();
    fs.baseSystem([{ name: 'kong', uid: 1000, home: '/home/kong' }]);
    writeDockerfile(dir, [
      'FROM scratch',
      'COPY rootfs/ /',
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      label('node-base', 'node, busybox and libraries for the stand-ins'),
    ]);
  },
};

/** Commands linked to the stand-in program: name in the image → its first argument. */
const COMMANDS: Record<string, string> = {
  '/usr/local/bin/standin': '',
  '/usr/local/bin/edge-runtime': 'edge-runtime',
  '/usr/local/bin/vector': 'vector',
  '/usr/local/bin/postgrest': 'postgrest',
  '/usr/local/bin/auth': 'auth',
  '/usr/local/bin/gotrue': 'gotrue',
  '/app/bin/migrate': 'supavisor-migrate',
  '/app/bin/supavisor': 'supavisor-cli',
  '/app/bin/server': 'server',
};

const runtime: ImageSpec = {
  short: 'runtime',
  parent: 'node-base',
  hashInputs: (h) => {
    h.sources(PROGRAM_DIR).sources(RUNTIME_DIR);
    for (const file of COMMON_SOURCES) h.sources(file);
  },
  async stage(dir, from) {
    const fs = new Rootfs(join(dir, 'rootfs'));
    await build({
      entryPoints: [join(PROGRAM_DIR, 'main.ts')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      outfile: join(fs.dir, STANDIN_JS),
      logLevel: 'error',
    });
    for (const [path, command] of Object.entries(COMMANDS)) {
      const first = command ? ` ${command}` : '';
      fs.write(path, `#!/bin/sh\nexec /usr/local/bin/node ${STANDIN_JS}${first} "$@"\n`, 0o755);
    }
    // curl, kong and imgproxy: shell on busybox wget, so the healthchecks start no Node.
    for (const name of readdirSync(RUNTIME_DIR)) {
      fs.copy(join(RUNTIME_DIR, name), `/usr/local/bin/${name}`);
    }
    // The kit's Kong entrypoint is `bash -c '…'`; busybox has no `bash` applet, ash stands in.
    fs.write('/bin/bash', '#!/bin/sh\nexec /bin/busybox ash "$@"\n', 0o755);
    fs.write('/docker-entrypoint.sh', '#!/bin/sh\nset -e\nexec "$@"\n', 0o755);
    fs.link('/docker-entrypoint.sh', '/entrypoint.sh');
    writeDockerfile(dir, [
      `FROM ${from}`,
      'COPY rootfs/ /',
      'CMD ["standin", "serve"]',
      label('runtime', 'the stand-in program'),
    ]);
  },
};

interface ServiceDefinition {
  short: string;
  official: string;
  service: string;
  ports: number[];
  entrypoint?: string[];
  cmd: string[];
  user?: string;
  env?: Record<string, string>;
  healthcheck?: string;
  stopSignal?: string;
  /** Extra files, copied with the image's user as owner. */
  files?: (fs: Rootfs) => Promise<void>;
}

const SERVICES: ServiceDefinition[] = [
  {
    short: 'kong',
    official: 'kong',
    service: 'kong',
    ports: [8000, 8443, 8001],
    entrypoint: ['/docker-entrypoint.sh'],
    cmd: ['kong', 'docker-start'],
    user: 'kong',
    env: { HOME: '/home/kong', KONG_PREFIX: '/usr/local/kong' },
    healthcheck: '--interval=10s --timeout=10s --retries=10 CMD kong health',
    stopSignal: 'SIGQUIT',
    files: async (fs) => {
      fs.write('/home/kong/.standin', 'home of the kong user\n');
      fs.mkdir('/etc/kong/ssl');
      // Without openssl on the host, 8443 is a plain TCP listener (the stand-in logs it).
      await run('openssl', [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '3650',
        '-subj',
        '/CN=localhost',
        '-keyout',
        join(fs.dir, 'etc/kong/ssl/standin.key'),
        '-out',
        join(fs.dir, 'etc/kong/ssl/standin.crt'),
      ]).catch(() => undefined);
    },
  },
  {
    short: 'gotrue',
    official: 'supabase/gotrue',
    service: 'gotrue',
    ports: [9999],
    cmd: ['auth'],
  },
  {
    short: 'postgrest',
    official: 'postgrest/postgrest',
    service: 'postgrest',
    ports: [3000],
    cmd: ['postgrest'],
  },
  {
    short: 'realtime',
    official: 'supabase/realtime',
    service: 'realtime',
    ports: [4000],
    cmd: ['standin', 'serve'],
  },
  {
    short: 'storage',
    official: 'supabase/storage-api',
    service: 'storage',
    ports: [5000],
    cmd: ['standin', 'serve'],
  },
  {
    short: 'imgproxy',
    official: 'darthsim/imgproxy',
    service: 'imgproxy',
    ports: [8080],
    cmd: ['imgproxy'],
  },
  {
    short: 'postgres-meta',
    official: 'supabase/postgres-meta',
    service: 'meta',
    ports: [8080],
    cmd: ['standin', 'serve'],
  },
  {
    short: 'edge-runtime',
    official: 'supabase/edge-runtime',
    service: 'functions',
    ports: [9000],
    entrypoint: ['edge-runtime'],
    cmd: ['start', '--main-service', '/home/deno/functions/main'],
  },
  {
    short: 'studio',
    official: 'supabase/studio',
    service: 'studio',
    ports: [3000],
    cmd: ['standin', 'serve'],
  },
  {
    short: 'supavisor',
    official: 'supabase/supavisor',
    service: 'supavisor',
    ports: [4000, 5432, 6543],
    cmd: ['/app/bin/server'],
  },
  {
    short: 'logflare',
    official: 'supabase/logflare',
    service: 'logflare',
    ports: [4000],
    cmd: ['standin', 'serve'],
  },
  {
    short: 'vector',
    official: 'timberio/vector',
    service: 'vector',
    ports: [9001],
    entrypoint: ['vector'],
    cmd: [],
  },
];

function serviceImage(def: ServiceDefinition, parent: string): ImageSpec {
  const env = Object.entries({ STANDIN_SERVICE: def.service, ...def.env })
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const config = [
    `ENV ${env}`,
    `EXPOSE ${def.ports.join(' ')}`,
    def.user && `USER ${def.user}`,
    def.entrypoint && `ENTRYPOINT ${JSON.stringify(def.entrypoint)}`,
    `CMD ${JSON.stringify(def.cmd)}`,
    label(def.short, `stand-in for ${def.official}`),
  ].filter((line): line is string => typeof line === 'string');
  const spec: ImageSpec = {
    short: def.short,
    official: def.official,
    parent,
    hashInputs: (h) => h.text('definition', JSON.stringify(def)),
  };
  // `docker commit` takes neither HEALTHCHECK nor STOPSIGNAL, nor files: those need a build.
  if (!def.files && !def.healthcheck && !def.stopSignal) return { ...spec, changes: config };
  return {
    ...spec,
    async stage(dir, from) {
      let copy: string | false = false;
      if (def.files) {
        await def.files(new Rootfs(join(dir, 'rootfs')));
        copy = def.user === 'kong' ? 'COPY --chown=1000:1000 rootfs/ /' : 'COPY rootfs/ /';
      }
      writeDockerfile(dir, [
        `FROM ${from}`,
        copy,
        ...config,
        def.healthcheck && `HEALTHCHECK ${def.healthcheck}`,
        def.stopSignal && `STOPSIGNAL ${def.stopSignal}`,
      ]);
    },
  };
}

const postgres: ImageSpec = {
  short: 'postgres',
  official: 'supabase/postgres',
  hashInputs: async (h) =>
    h
      .hostFiles(await hostInputs(pgBinaries(), [PG_SHARE, '/bin/busybox', '/usr/share/zoneinfo']))
      .sources(DB_DIR)
      .sources(BUILD_DIR),
  async stage(dir) {
    const fs = new Rootfs(join(dir, 'rootfs'));
    for (const file of pgBinaries()) fs.copy(file);
    await fs.librariesOf(pgBinaries(), CACHE_DIR);
    for (const b of PG_BINARIES) fs.link(join(PG_BIN, b), `/usr/bin/${b}`);
    fs.copy(PG_SHARE).copy('/usr/share/zoneinfo');
    for (const name of readdirSync(join(DB_DIR, 'extension'))) {
      fs.copy(join(DB_DIR, 'extension', name), join(PG_SHARE, 'extension', name));
    }
    await fs.busybox();
    // initdb asks `locale -a` which locales exist; only the built-in ones do.
    fs.write('/usr/bin/locale', '#!/bin/sh\nprintf "C\\nPOSIX\\n"\n', 0o755);
    fs.baseSystem([{ name: 'postgres', uid: 101, home: '/var/lib/postgresql' }]);
    fs.mkdir('/var/lib/postgresql').mkdir('/etc/postgresql-custom');
    for (const name of ['postgresql.conf', 'pg_hba.conf', 'pg_ident.conf']) {
      fs.copy(join(DB_DIR, name), `/etc/postgresql/${name}`);
    }
    await initdbTemplate(fs, '/opt/standin/pgdata-template');
    fs.copy(join(DB_DIR, 'docker-entrypoint.sh'), '/usr/local/bin/docker-entrypoint.sh');
    fs.copy(join(DB_DIR, 'migrate.sh'), '/docker-entrypoint-initdb.d/migrate.sh');
    fs.copy(join(DB_DIR, 'init-scripts'), '/docker-entrypoint-initdb.d/init-scripts');
    fs.copy(join(DB_DIR, 'migrations'), '/docker-entrypoint-initdb.d/migrations');
    writeDockerfile(dir, [
      'FROM scratch',
      'COPY rootfs/ /',
      `ENV PATH=/usr/local/bin:${PG_BIN}:/usr/bin:/bin`,
      // As in supabase/postgres: initdb's superuser is supabase_admin; migrate.sh adds postgres.
      'ENV PGDATA=/var/lib/postgresql/data POSTGRES_HOST=/var/run/postgresql',
      'ENV POSTGRES_USER=supabase_admin POSTGRES_DB=postgres TZ=UTC',
      'EXPOSE 5432',
      'STOPSIGNAL SIGINT',
      'HEALTHCHECK --interval=2s --timeout=2s --retries=10 CMD pg_isready -U postgres -h localhost',
      'ENTRYPOINT ["docker-entrypoint.sh"]',
      'CMD ["postgres", "-D", "/etc/postgresql"]',
      label('postgres', 'stand-in for supabase/postgres'),
    ]);
  },
};

/**
 * A fresh cluster made by this host's initdb (as its `postgres` user: initdb refuses root), the
 * way the entrypoint would make it, for the entrypoint to copy instead of running initdb.
 */
async function initdbTemplate(fs: Rootfs, path: string): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'ubstandin-initdb-'));
  const data = join(work, 'data');
  try {
    chmodSync(work, 0o777);
    await run(
      'runuser',
      [
        '-u',
        'postgres',
        '--',
        join(PG_BIN, 'initdb'),
        '-D',
        data,
        '--username=supabase_admin',
        '--encoding=UTF8',
        '--locale=C',
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '--no-sync',
      ],
      { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', TZ: 'UTC', LANG: 'C' } },
    );
    appendFileSync(join(data, 'postgresql.conf'), "listen_addresses = '*'\n");
    appendFileSync(join(data, 'pg_hba.conf'), 'host all all all scram-sha-256\n');
    fs.copy(data, path);
  } catch (error) {
    // Without the host's `postgres` user the entrypoint runs initdb itself, only slower.
    process.stderr.write(`no initdb template: ${error instanceof Error ? error.message : error}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Fault-injection images: the gotrue stand-in with a fault mode baked in. */
function faultImage(fault: string): ImageSpec {
  return {
    short: `fault-${fault}`,
    extraKey: fault,
    parent: 'gotrue',
    hashInputs: (h) => h.text('fault', fault),
    changes: [
      `ENV STANDIN_FAULT=${fault}`,
      label(`fault-${fault}`, `stand-in fault image: ${fault}`),
    ],
  };
}

/** Every image, parents before children. */
export const IMAGE_SPECS: ImageSpec[] = [
  nodeBase,
  postgres,
  runtime,
  ...SERVICES.map((s) => serviceImage(s, 'runtime')),
  faultImage('unhealthy'),
  faultImage('crashloop'),
  faultImage('hang'),
  caddyImage,
  resticStandin,
];

/** One LABEL instruction: each instruction costs the legacy builder a container commit. */
function label(short: string, title: string): string {
  return `LABEL ultrabase.standin=${short} org.opencontainers.image.title=${JSON.stringify(title)}`;
}

function writeDockerfile(dir: string, lines: (string | false | undefined)[]): void {
  writeFileSync(join(dir, 'Dockerfile'), dockerfile(lines));
}
