// `npm run rig:images`: builds the local Docker images that stand in for every image of the
// Supabase self-hosting kit (see test/rig/standin/README.md) and writes
//   test/rig/images.json        official image name (no tag) → stand-in tag, the shape of the
//                               agent config's `images` key;
//   test/rig/images-extra.json  fault-injection images (unhealthy, crashloop, hang) → tag.
// Tags are content hashes, so a second run with nothing changed only checks the engine.
//   --rebuild  build everything again without the builder's cache
//   --prune    remove older ultrabase-standin/* tags that no container uses
import { mkdtempSync, renameSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { dockerBuild, dockerCommit, existingStandinTags } from './standin/build/docker';
import { ContentHash } from './standin/build/hash';
import { IMAGE_SPECS, REPOSITORY, type ImageSpec } from './standin/build/specs';

const run = promisify(execFile);

export const IMAGES_JSON = join(import.meta.dirname, 'images.json');
export const IMAGES_EXTRA_JSON = join(import.meta.dirname, 'images-extra.json');

/**
 * Other official names of the same service across stack releases: the kit moved from Docker's
 * `kong` to Kong's own `kong/kong` (Kong 3.9.1, March 2026); older releases still name `kong`.
 */
const OFFICIAL_ALIASES: Record<string, string[]> = { kong: ['kong/kong'] };

export interface StandinImages {
  /** Official image name (without tag) → stand-in tag. */
  images: Record<string, string>;
  /** Fault-injection key (`unhealthy`, `crashloop`, `hang`) → stand-in tag. */
  extra: Record<string, string>;
}

export interface ImageReport {
  short: string;
  official?: string;
  tag: string;
  status: 'reused' | 'built';
  seconds: number;
  size?: string;
}

/** Builds what is missing (parents first, two at a time) and writes the JSON files. */
export async function ensureStandinImages(
  options: { log?: (line: string) => void; rebuild?: boolean } = {},
): Promise<StandinImages & { report: ImageReport[] }> {
  const log = options.log ?? (() => undefined);
  const tags = await imageTags();
  const existing = await existingStandinTags();
  const report = new Map<string, ImageReport>();
  const done = new Map<string, Promise<void>>();
  const slots = new Semaphore(2);

  const ensure = (spec: ImageSpec): Promise<void> => {
    let promise = done.get(spec.short);
    if (promise) return promise;
    promise = (async () => {
      const tag = tags.get(spec.short) ?? '';
      const parentTag = spec.parent ? tags.get(spec.parent) : undefined;
      const parentSpec = IMAGE_SPECS.find((s) => s.short === spec.parent);
      if (parentSpec) await ensure(parentSpec);
      if (existing.has(tag) && !options.rebuild) {
        report.set(spec.short, {
          short: spec.short,
          official: spec.official,
          tag,
          status: 'reused',
          seconds: 0,
        });
        return;
      }
      await slots.run(async () => {
        const started = Date.now();
        log(`building ${tag}`);
        if (spec.changes && parentTag) await dockerCommit(parentTag, tag, spec.changes);
        else await buildFromContext(spec, tag, parentTag, log, options.rebuild === true);
        const seconds = (Date.now() - started) / 1000;
        report.set(spec.short, {
          short: spec.short,
          official: spec.official,
          tag,
          status: 'built',
          seconds,
        });
      });
    })();
    done.set(spec.short, promise);
    return promise;
  };
  await Promise.all(IMAGE_SPECS.map(ensure));

  const images: Record<string, string> = {};
  const extra: Record<string, string> = {};
  for (const spec of IMAGE_SPECS) {
    const tag = tags.get(spec.short) ?? '';
    if (spec.official) images[spec.official] = tag;
    for (const alias of OFFICIAL_ALIASES[spec.official ?? ''] ?? []) images[alias] = tag;
    if (spec.extraKey) extra[spec.extraKey] = tag;
  }
  writeJsonIfChanged(IMAGES_JSON, images);
  writeJsonIfChanged(IMAGES_EXTRA_JSON, extra);
  const ordered = IMAGE_SPECS.map((s) => report.get(s.short)).filter((r): r is ImageReport => !!r);
  return { images, extra, report: ordered };
}

async function buildFromContext(
  spec: ImageSpec,
  tag: string,
  parentTag: string | undefined,
  log: (line: string) => void,
  noCache: boolean,
): Promise<void> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), `ubstandin-${spec.short}-`));
  try {
    await spec.stage?.(dir, parentTag);
    const staged = Date.now();
    await dockerBuild(dir, tag, noCache);
    const stageSeconds = ((staged - started) / 1000).toFixed(1);
    const buildSeconds = ((Date.now() - staged) / 1000).toFixed(1);
    log(`built ${tag} (staging ${stageSeconds}s, docker build ${buildSeconds}s)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each image's tag: a hash of its own inputs and of its parent's tag. */
async function imageTags(): Promise<Map<string, string>> {
  const tags = new Map<string, string>();
  for (const spec of IMAGE_SPECS) {
    const hash = new ContentHash().text('parent', spec.parent ? (tags.get(spec.parent) ?? '') : '');
    await spec.hashInputs(hash);
    tags.set(spec.short, `${REPOSITORY}/${spec.short}:${hash.digest()}`);
  }
  return tags;
}

function writeJsonIfChanged(path: string, value: unknown): void {
  const text = JSON.stringify(value, null, 2) + '\n';
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

class Semaphore {
  private waiting: (() => void)[] = [];
  constructor(private free: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free += 1;
    }
  }
}

/**
 * Removes `ultrabase-standin/*` tags other than the current ones. An image a container still
 * uses (running or not) stays: docker refuses, and that is fine.
 */
export async function pruneStaleStandinImages(current: Iterable<string>): Promise<string[]> {
  const keep = new Set(current);
  const removed: string[] = [];
  for (const tag of (await existingStandinTags()).keys()) {
    if (keep.has(tag)) continue;
    await run('docker', ['rmi', tag]).then(
      () => removed.push(tag),
      () => undefined,
    );
  }
  return removed;
}

async function main(): Promise<void> {
  const started = Date.now();
  // --rebuild: build every image again, without the builder's cache (for timing, or after a
  // host change the hash does not see).
  const rebuild = process.argv.includes('--rebuild');
  const { report } = await ensureStandinImages({ log: (line) => console.log(line), rebuild });
  const sizes = await existingStandinTags();
  const rows = report.map((r) => [
    r.official ?? `(${r.short})`,
    r.tag,
    r.status === 'built' ? `built ${r.seconds.toFixed(1)}s` : 'reused',
    sizes.get(r.tag) ?? '',
  ]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  '));
  const built = report.filter((r) => r.status === 'built').length;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`stand-in images: ${built} built, ${report.length - built} reused, ${seconds}s`);
  console.log(`wrote ${IMAGES_JSON} and ${IMAGES_EXTRA_JSON}`);
  if (process.argv.includes('--prune')) {
    const removed = await pruneStaleStandinImages(report.map((r) => r.tag));
    console.log(`removed ${removed.length} stale stand-in tags`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}

/**
 * The restic stand-in's tag (Debian's restic in an image shaped like `restic/restic`), built
 * with the other stand-ins. It is in neither JSON file: no stack service uses it, only the
 * agent's backups (its config `backups.resticImage`).
 */
export async function ensureResticStandin(): Promise<string> {
  await ensureStandinImages();
  const tag = (await imageTags()).get('restic');
  if (!tag) throw new Error('no restic stand-in spec');
  return tag;
}

/**
 * A STAND-IN for a Postgres 17 `supabase/postgres` image, for the Postgres major upgrade's rig
 * test. The rig has no real Postgres 17 (no Docker Hub): this is the Postgres stand-in (Debian's
 * PostgreSQL 15 binaries) under its own tag and label, so a project "moves" to another db
 * image. What a test proves with it is the upgrade's machinery (safety backup, a new data
 * directory, a fresh cluster filled from the dump, the switch, the rollback), NOT that a
 * Postgres 15 dump loads into a real 17. In neither JSON file: no release names it by default.
 */
export async function ensurePostgres17Standin(): Promise<string> {
  const { images } = await ensureStandinImages();
  const parent = images['supabase/postgres'];
  if (!parent) throw new Error('no Postgres stand-in');
  const tag = `${REPOSITORY}/postgres17-standin:${parent.slice(parent.lastIndexOf(':') + 1)}`;
  if (!(await existingStandinTags()).has(tag)) {
    await dockerCommit(parent, tag, [
      label(
        'postgres17-standin',
        'STAND-IN for supabase/postgres 17: Debian PostgreSQL 15 binaries',
      ),
    ]);
  }
  return tag;
}

/** One LABEL instruction, as test/rig/standin/build/specs.ts labels its images. */
function label(short: string, title: string): string {
  return `LABEL ultrabase.standin=${short} org.opencontainers.image.title=${JSON.stringify(title)}`;
}
