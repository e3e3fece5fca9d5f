// A stand-in for the official `restic/restic` image: Debian's restic binary (the rig cannot
// pull) with the OpenSSH client its SFTP backend runs, busybox for a shell, and the official
// image's entrypoint (`/usr/bin/restic`), so the agent runs it exactly as it runs the real one.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContentHash } from './hash';
import { Rootfs, sharedLibraries } from './rootfs';
import type { ImageSpec } from './specs';

const RESTIC = '/usr/bin/restic';
const SSH = '/usr/bin/ssh';
const CACHE_DIR = join(import.meta.dirname, '../../../../.cache/standin');

export const resticStandin: ImageSpec = {
  short: 'restic',
  hashInputs: async (h: ContentHash) =>
    h
      .hostFiles([
        RESTIC,
        SSH,
        '/bin/busybox',
        ...(await sharedLibraries([RESTIC, SSH], CACHE_DIR)),
      ])
      .text('layout', 'v1'),
  async stage(dir) {
    const fs = new Rootfs(join(dir, 'rootfs'));
    await fs.librariesOf([RESTIC, SSH], CACHE_DIR);
    fs.copy(RESTIC, RESTIC).copy(SSH, SSH);
    await fs.busybox(['ssh']);
    fs.baseSystem([]);
    fs.mkdir('/root/.ssh', 0o700);
    writeFileSync(
      join(dir, 'Dockerfile'),
      [
        'FROM scratch',
        'COPY rootfs/ /',
        'ENV PATH=/usr/local/bin:/usr/bin:/bin HOME=/root',
        'ENTRYPOINT ["/usr/bin/restic"]',
        'LABEL ultrabase.standin=restic org.opencontainers.image.title="stand-in for restic/restic"',
        '',
      ].join('\n'),
    );
  },
};
