// Review finding 23: the renderer can name a path the main process reads (the SSH config to
// import, a key file). A FIFO blocked the read forever and /dev/zero grew memory without
// bound; a huge file was read whole. Only regular files of a sane size are read now.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDesktop } from './desktop';
import { createMemorySecretStore } from './profiles/secret-store';
import { readSshConfig } from './profiles/ssh-config';

const dir = mkdtempSync(join(tmpdir(), 'ub-file-reads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fifo = join(dir, 'fifo');
execFileSync('mkfifo', [fifo]);
const huge = join(dir, 'huge');
writeFileSync(huge, 'Host a\n' + '#'.repeat(2 * 1024 * 1024));
const good = join(dir, 'config');
writeFileSync(good, 'Host web\n  HostName 10.0.0.1\n');
const link = join(dir, 'link');
symlinkSync(good, link);

/** Settles within 2 s or reports that it hung (what the old code did on a FIFO). */
function within2s<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('hung')), 2000)),
  ]);
}

describe('readSshConfig reads only regular files', () => {
  it('refuses a FIFO at once', async () => {
    await expect(within2s(readSshConfig(fifo))).rejects.toMatchObject({
      code: 'SSH_CONFIG_UNREADABLE',
      data: { path: fifo, reason: 'not-a-regular-file' },
    });
  });

  it('refuses a device', async () => {
    await expect(within2s(readSshConfig('/dev/zero'))).rejects.toMatchObject({
      code: 'SSH_CONFIG_UNREADABLE',
      data: { reason: 'not-a-regular-file' },
    });
  });

  it('refuses a file larger than any real SSH config', async () => {
    await expect(within2s(readSshConfig(huge))).rejects.toMatchObject({
      code: 'SSH_CONFIG_UNREADABLE',
      data: { reason: 'too-large' },
    });
  });

  it('still reads a regular file, also through a symlink', async () => {
    await expect(readSshConfig(good)).resolves.toEqual([{ alias: 'web', hostName: '10.0.0.1' }]);
    await expect(readSshConfig(link)).resolves.toHaveLength(1);
  });
});

describe('a key path is read only when it is a regular file', () => {
  it('refuses a FIFO as the key, without hanging the connection', async () => {
    const desktop = createDesktop({
      home: join(dir, 'home'),
      secrets: createMemorySecretStore(),
      agentBundlePath: join(dir, 'agent.cjs'),
      localServer: false,
    });
    try {
      const server = await desktop.addServer({
        name: 'keyed',
        host: 'host.invalid',
        auth: 'key',
        keyPath: fifo,
      });
      await expect(within2s(desktop.connectServer(server.id))).rejects.toMatchObject({
        code: 'KEY_FILE_UNREADABLE',
        data: { keyPath: fifo, reason: 'not-a-regular-file' },
      });
    } finally {
      await desktop.close();
    }
  });
});
