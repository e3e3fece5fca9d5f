import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lookupGroup, resolveSocketGroup } from './socket-group';
import { listenOnUnixSocket } from './unix-socket';

const groups: Record<string, number> = { ultrabase: 990, staff: 50 };
const lookup = (name: string) => groups[name];

describe('socket group', () => {
  it('uses the configured group, refuses an unknown one, defaults to ultrabase for root', () => {
    expect(resolveSocketGroup('staff', { isRoot: false, lookup })).toBe(50);
    expect(resolveSocketGroup('1234', { isRoot: false, lookup })).toBe(1234);
    expect(() => resolveSocketGroup('nope', { isRoot: true, lookup })).toThrow(/no group "nope"/);
    expect(resolveSocketGroup(undefined, { isRoot: true, lookup })).toBe(990);
    expect(resolveSocketGroup(undefined, { isRoot: false, lookup })).toBeUndefined();
    expect(
      resolveSocketGroup(undefined, { isRoot: true, lookup: () => undefined }),
    ).toBeUndefined();
  });

  it('reads a real group from the system', () => {
    const root = readFileSync('/etc/group', 'utf8').split('\n')[0]!.split(':');
    expect(lookupGroup(root[0]!)).toBe(Number(root[2]));
    expect(lookupGroup('no-such-group-ub')).toBeUndefined();
  });

  // Skipped unless root. Reason: changing a file's group to one the user is not in needs root.
  // CI and `npm test` run as root, so it runs there (0 skipped in CI); only a developer's plain
  // `npm run test:unit` as a normal user skips it.
  it.skipIf(process.getuid?.() !== 0)('gives the socket the group, mode 0660', async () => {
    const other = readFileSync('/etc/group', 'utf8')
      .split('\n')
      .map((l) => Number(l.split(':')[2]))
      .find((gid) => Number.isInteger(gid) && gid !== process.getgid?.());
    const dir = mkdtempSync(path.join(tmpdir(), 'ub-sock-'));
    try {
      const socket = path.join(dir, 'run', 'agent.sock');
      const server = await listenOnUnixSocket(socket, (s) => s.destroy(), { gid: other! });
      const st = statSync(socket);
      expect(st.mode & 0o777).toBe(0o660);
      expect(st.gid).toBe(other);
      expect(statSync(path.dirname(socket)).gid).toBe(other);
      await server.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
