// Builds an image's root filesystem in a staging folder from files of this host: binaries with
// the shared libraries `ldd` says they need (at the same paths, so the dynamic loader finds them
// without an ld.so.cache), busybox with a link per applet, and the few files under /etc that
// user lookups and name resolution need.
import { execFile } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { ContentHash } from './hash';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class Rootfs {
  constructor(readonly dir: string) {}

  private at(path: string): string {
    const target = join(this.dir, path);
    mkdirSync(dirname(target), { recursive: true });
    return target;
  }

  /** Copies a host file or tree (links resolved) to the same or another path in the image. */
  copy(source: string, dest = source): this {
    cpSync(source, this.at(dest), { recursive: true, dereference: true, preserveTimestamps: true });
    return this;
  }

  write(path: string, content: string, mode = 0o644): this {
    const target = this.at(path);
    writeFileSync(target, content);
    chmodSync(target, mode);
    return this;
  }

  mkdir(path: string, mode = 0o755): this {
    const target = join(this.dir, path);
    mkdirSync(target, { recursive: true });
    chmodSync(target, mode);
    return this;
  }

  link(target: string, path: string): this {
    symlinkSync(target, this.at(path));
    return this;
  }

  /** Copies every shared library these binaries load (not the binaries themselves). */
  async librariesOf(binaries: string[], cacheDir: string): Promise<this> {
    for (const lib of await sharedLibraries(binaries, cacheDir)) this.copy(lib);
    return this;
  }

  /** busybox at /bin/busybox and a link per applet in /bin. */
  async busybox(except: string[] = []): Promise<this> {
    this.copy('/bin/busybox', '/bin/busybox');
    const { stdout } = await run('/bin/busybox', ['--list']);
    for (const applet of stdout.split('\n').filter(Boolean)) {
      if (applet !== 'busybox' && !except.includes(applet)) this.link('busybox', `/bin/${applet}`);
    }
    this.link('/bin/busybox', '/usr/bin/env');
    return this;
  }

  /** /etc/passwd, /etc/group, /etc/nsswitch.conf and the usual writable folders. */
  baseSystem(users: { name: string; uid: number; home: string }[]): this {
    const all = [{ name: 'root', uid: 0, home: '/root' }, ...users];
    const passwd = all.map((u) => `${u.name}:x:${u.uid}:${u.uid}:${u.name}:${u.home}:/bin/sh`);
    const group = all.map((u) => `${u.name}:x:${u.uid}:`);
    this.write(
      '/etc/passwd',
      [...passwd, 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false', ''].join('\n'),
    );
    this.write('/etc/group', [...group, 'nogroup:x:65534:', ''].join('\n'));
    this.write('/etc/nsswitch.conf', 'passwd: files\ngroup: files\nhosts: files dns\n');
    this.write('/etc/shells', '/bin/sh\n/bin/ash\n');
    this.mkdir('/tmp', 0o1777).mkdir('/root', 0o700).mkdir('/run').link('/run', '/var/run');
    return this;
  }
}

/**
 * The shared libraries (and the dynamic loader) that `ldd` lists for these files. ldd takes
 * seconds on a hundred files, so the answer is cached per set of binaries (by path, size, mtime).
 */
export async function sharedLibraries(files: string[], cacheDir: string): Promise<string[]> {
  const key = new ContentHash().hostFiles(files).digest();
  const cache = join(cacheDir, `ldd-${key}.json`);
  if (existsSync(cache)) return JSON.parse(readFileSync(cache, 'utf8')) as string[];
  const libs = await runLdd(files);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(cache, JSON.stringify(libs));
  return libs;
}

async function runLdd(files: string[]): Promise<string[]> {
  const { stdout } = await run('ldd', files, { maxBuffer: 16 << 20 }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
  );
  const libs = new Set<string>();
  for (const line of stdout.split('\n')) {
    const match = /=>\s+(\/\S+)/.exec(line) ?? /^\s+(\/\S+)\s+\(0x/.exec(line);
    if (match?.[1]) libs.add(match[1]);
  }
  return [...libs].sort();
}
