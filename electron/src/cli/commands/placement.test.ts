import { describe, expect, it } from 'vitest';
import type { ServerCapacity } from '@protocol/types';
import { FP_OLD, fakeDesktop, run, server } from '../cli-test-kit';

const pinned = { fingerprint: FP_OLD, algorithm: 'ssh-ed25519', trustedAt: '' };

function capacity(fits: ServerCapacity['fits'], memoryFreeMb: number): ServerCapacity {
  return {
    memoryTotalMb: 16_000,
    overcommit: 2,
    memoryAllowedMb: 32_000,
    memoryCommittedMb: 32_000 - memoryFreeMb,
    memoryFreeMb,
    projectsBySize: { small: 0, medium: 0, large: 0, custom: 0, none: 0 },
    fits,
    networks: { pool: '10.231.0.0/16', subnetPrefix: 27, used: 0, capacity: 2048 },
    portsLeft: {},
  };
}

describe('projects create auto', () => {
  function fleet() {
    const d = fakeDesktop({
      servers: [server({ name: 'web', hostKey: pinned }), server({ name: 'db', hostKey: pinned })],
    });
    const byServer: Record<string, ServerCapacity> = {
      'srv-web': capacity({ small: 4, medium: 2, large: 1 }, 7_000),
      'srv-db': capacity({ small: 10, medium: 5, large: 2 }, 16_000),
    };
    d.serverCapacity = async (id: string) => byServer[id]!;
    return d;
  }

  it('creates on the server with the most headroom for the size, explained in one line', async () => {
    const d = fleet();
    const r = await run(
      ['projects', 'create', 'auto', 'shop', '--size', 'small', '--without', 'functions,imgproxy'],
      d,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('best fit: db, where 10 more small projects fit (4 on web)');
    expect(d.calls.find((c) => c[0] === 'createProject')).toEqual([
      'createProject',
      'srv-db',
      {
        name: 'shop',
        exposure: 'private',
        size: { profile: 'small' },
        optionalServices: { functions: false, imgproxy: false },
      },
    ]);
  });

  it('refuses a service that cannot be turned off', async () => {
    const r = await run(['projects', 'create', 'web', 'shop', '--without', 'db'], fleet());
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/INVALID_PARAMS|db/);
  });
});
