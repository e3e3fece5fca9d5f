import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateCredentials } from '../../credentials/generate';
import { stackInputFor } from '../../instances/stack-input';
import { ErrorCode } from '@protocol/error-codes';
import type { Instance } from '@protocol/types';
import { STACK_IMAGES, STACK_VERSION } from '../images';
import { renderStack } from '../render';
import { STACK_SERVICES } from '../services';
import { BUILTIN_RELEASES, LEGACY_RELEASE_ID, ReleaseCatalog, parseRelease } from './catalog';
import { loadReleaseFiles } from './load';
import { postgresMajorOf, type StackRelease } from './schema';

const legacy = BUILTIN_RELEASES.find((r) => r.id === LEGACY_RELEASE_ID)!;

function release(id: string, date: string, patch: Partial<StackRelease> = {}): StackRelease {
  return { ...legacy, id, date, notes: [`release ${id}`], ...patch };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('stack releases', () => {
  it('every built-in release is valid, pins a tag for every service and keeps Postgres 15', () => {
    for (const r of BUILTIN_RELEASES) {
      expect(parseRelease(r)).toEqual(r);
      for (const s of STACK_SERVICES) expect(r.images[s.name]).toMatch(/:[\w][\w.-]*$/);
      expect(postgresMajorOf(r.images.db)).toBe(15);
    }
  });

  it('new projects get the newest built-in release, and STACK_IMAGES are its images', () => {
    const catalog = new ReleaseCatalog();
    expect(catalog.newest().id).toBe(STACK_VERSION);
    expect(STACK_IMAGES).toEqual(catalog.newest().images);
    expect(STACK_VERSION).not.toBe(LEGACY_RELEASE_ID);
  });

  it('orders by date, then id; finds by id; refuses an unknown id with RELEASE_NOT_FOUND', () => {
    const catalog = new ReleaseCatalog([
      release('a-1', '2026-01-01'),
      release('b-2', '2026-03-01'),
      release('c-3', '2026-03-01'),
    ]);
    expect(catalog.list().map((r) => r.id)).toEqual(['c-3', 'b-2', 'a-1']);
    expect(catalog.get('a-1').id).toBe('a-1');
    expect(codeOf(() => catalog.get('nope'))).toBe(ErrorCode.RELEASE_NOT_FOUND);
    expect(
      codeOf(
        () => new ReleaseCatalog([release('a-1', '2026-01-01'), release('a-1', '2026-01-02')]),
      ),
    ).toBe(ErrorCode.CONFIG_INVALID);
  });

  it('a project without a recorded release runs the legacy pin (state files from before releases)', () => {
    const catalog = new ReleaseCatalog();
    expect(catalog.releaseOf({}).id).toBe(LEGACY_RELEASE_ID);
    expect(catalog.releaseOf({ release: STACK_VERSION }).id).toBe(STACK_VERSION);
  });

  it('newestFor never crosses a Postgres major', () => {
    const pg17 = release('pg17', '2026-09-01', {
      images: { ...legacy.images, db: 'supabase/postgres:17.6.1.136' },
    });
    const catalog = new ReleaseCatalog([
      release('old', '2026-01-01'),
      release('new', '2026-05-01'),
      pg17,
    ]);
    expect(catalog.newest().id).toBe('pg17');
    expect(catalog.newestFor(catalog.get('old')).id).toBe('new');
  });

  it('lists the advisories later releases declare against a release', () => {
    const fixed = release('fix', '2026-05-01', {
      advisories: [{ id: 'UB-2026-001', severity: 'high', summary: 'x', affects: ['old'] }],
    });
    const catalog = new ReleaseCatalog([release('old', '2026-01-01'), fixed]);
    expect(catalog.advisoriesFor('old')).toEqual([
      expect.objectContaining({ id: 'UB-2026-001', fixedIn: 'fix' }),
    ]);
    expect(catalog.advisoriesFor('fix')).toEqual([]);
  });

  it('refuses untagged or `latest` images, paths outside volumes/, templated files and unknown keys', () => {
    const bad: Array<Partial<StackRelease> & Record<string, unknown>> = [
      { images: { ...legacy.images, auth: 'supabase/gotrue' } },
      { images: { ...legacy.images, auth: 'supabase/gotrue:latest' } },
      { images: { ...legacy.images, db: 'supabase/postgres:latest-15' } },
      { files: [{ path: '../etc/passwd', content: 'x' }] },
      { files: [{ path: 'volumes/../../x', content: 'x' }] },
      { files: [{ path: 'volumes/api/kong.yml', content: 'x' }] },
      { files: [{ path: '.env', content: 'x' }] },
      { surprise: true },
    ];
    for (const patch of bad) {
      expect(codeOf(() => parseRelease(release('bad', '2026-01-01', patch)))).toBe(
        ErrorCode.CONFIG_INVALID,
      );
    }
  });

  it('renders with the release: its images, its label, and its own kit files', () => {
    const r = release('test-b', '2026-07-01', {
      images: { ...legacy.images, auth: 'example/auth:b' },
      files: [{ path: 'volumes/functions/hello/index.ts', content: '// release b\n' }],
    });
    const rendered = renderStack({
      instanceId: 'abc123def',
      name: 'x',
      ports: { kongHttp: 8001, kongHttps: 8401, postgres: 5401, poolerTransaction: 6401 },
      exposure: 'private',
      externalHost: null,
      secrets: generateCredentials(),
      imageOverrides: {},
      stackRelease: r,
    });
    const compose = rendered.files.find((f) => f.path === 'docker-compose.yml')!.content;
    expect(compose).toContain('image: "example/auth:b"');
    expect(compose).toMatch(/io.ultrabase.stack-version"?: "?test-b/);
    expect(rendered.files.find((f) => f.path === 'volumes/functions/hello/index.ts')!.content).toBe(
      '// release b\n',
    );
  });

  it('stackInputFor renders an old project (no release field) with the legacy images', () => {
    const instance = {
      id: 'abc123def',
      name: 'x',
      ports: { kongHttp: 8001, kongHttps: 8401, postgres: 5401, poolerTransaction: 6401 },
      exposure: 'private',
    } as Instance;
    const input = stackInputFor(instance, generateCredentials(), {
      images: {},
      externalHost: undefined,
    });
    expect(input.stackRelease?.id).toBe(LEGACY_RELEASE_ID);
    const compose = renderStack(input).files.find((f) => f.path === 'docker-compose.yml')!.content;
    expect(compose).toContain(`image: "${legacy.images.kong}"`);
    expect(compose).not.toContain(STACK_IMAGES.kong);
  });
});

describe('release files', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loads <id>.json files and refuses a file named after another release', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ub-releases-'));
    await writeFile(join(dir, 'test-a.json'), JSON.stringify(release('test-a', '2026-01-01')));
    await writeFile(join(dir, 'notes.txt'), 'ignored');
    expect((await loadReleaseFiles(dir)).map((r) => r.id)).toEqual(['test-a']);
    await writeFile(join(dir, 'test-c.json'), JSON.stringify(release('test-b', '2026-01-01')));
    await expect(loadReleaseFiles(dir)).rejects.toMatchObject({ code: ErrorCode.CONFIG_INVALID });
    await writeFile(join(dir, 'test-c.json'), '{not json');
    await expect(loadReleaseFiles(dir)).rejects.toMatchObject({ code: ErrorCode.CONFIG_INVALID });
  });
});
