import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSshConfig, readSshConfig } from './ssh-config';

const CONFIG = `
# global defaults come first in many configs
Host *.internal
  User ops
  ProxyJump bastion

Host bastion
  HostName bastion.example.com
  User jump
  Port 2200
  IdentityFile ~/.ssh/bastion_ed25519

Host db1 db2
  HostName=10.0.0.7
  IdentityFile "/keys/db key"

Host app.internal
  Port 2222

Host *
  User fallback
  Port 22

Match host foo
  User ignored
`;

describe('parseSshConfig', () => {
  const hosts = parseSshConfig(CONFIG, '/home/me');
  const byAlias = Object.fromEntries(hosts.map((h) => [h.alias, h]));
  it('lists concrete aliases only, not wildcards', () => {
    expect(hosts.map((h) => h.alias)).toEqual(['bastion', 'db1', 'db2', 'app.internal']);
  });
  it('reads HostName, User, Port, IdentityFile (~ expanded), first value wins', () => {
    expect(byAlias.bastion).toEqual({
      alias: 'bastion',
      hostName: 'bastion.example.com',
      user: 'jump',
      port: 2200,
      identityFile: '/home/me/.ssh/bastion_ed25519',
    });
    expect(byAlias.db1).toMatchObject({
      hostName: '10.0.0.7',
      user: 'fallback',
      identityFile: '/keys/db key',
    });
  });
  it('applies earlier wildcard blocks (ProxyJump, User) and later ones only where unset', () => {
    expect(byAlias['app.internal']).toEqual({
      alias: 'app.internal',
      hostName: 'app.internal',
      user: 'ops',
      port: 2222,
      proxyJump: 'bastion',
    });
  });
  it('a missing default file is an empty list; a missing named file is an error with a code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ub-sshcfg-'));
    await expect(readSshConfig(join(dir, 'nope'))).rejects.toMatchObject({
      code: 'SSH_CONFIG_UNREADABLE',
    });
    writeFileSync(join(dir, 'config'), 'Host a\n HostName b\n');
    await expect(readSshConfig(join(dir, 'config'))).resolves.toEqual([
      { alias: 'a', hostName: 'b' },
    ]);
  });
});
