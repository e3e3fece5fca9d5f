import { describe, expect, it } from 'vitest';
import { parseCommand, UsageError } from './args';
import { defaultPaths } from './paths';

describe('parseCommand', () => {
  it('parses every command of issue 3', () => {
    expect(parseCommand(['serve', '--data-dir', '/d', '--socket', '/s', '--config', '/c'])).toEqual(
      {
        kind: 'serve',
        stdio: false,
        dataDir: '/d',
        socket: '/s',
        config: '/c',
      },
    );
    expect(parseCommand(['serve', '--stdio', '--data-dir', '/d'])).toEqual({
      kind: 'serve',
      stdio: true,
      dataDir: '/d',
    });
    expect(parseCommand(['dial', '--socket', '/s'])).toEqual({ kind: 'dial', socket: '/s' });
    expect(parseCommand(['dial', '--socket', '/s', '--as', 'ana'])).toEqual({
      kind: 'dial',
      socket: '/s',
      as: 'ana',
    });
    expect(parseCommand(['admin', 'create', '--username', 'ana', '--force'])).toEqual({
      kind: 'admin-create',
      username: 'ana',
      force: true,
    });
    expect(parseCommand(['version'])).toEqual({ kind: 'version' });
  });

  it('refuses unknown commands and options', () => {
    expect(() => parseCommand([])).toThrow(UsageError);
    expect(() => parseCommand(['serve', '--bogus'])).toThrow(UsageError);
    expect(() => parseCommand(['admin', 'create'])).toThrow(/--username/);
    expect(() => parseCommand(['serve', '--stdio', '--socket', '/s'])).toThrow(UsageError);
  });
});

describe('defaultPaths', () => {
  it('uses system locations for root', () => {
    expect(defaultPaths({}, 0, '/root')).toEqual({
      dataDir: '/var/lib/ultrabase',
      socket: '/run/ultrabase/agent.sock',
      config: '/etc/ultrabase/agent.json',
    });
  });

  it('uses the home directory and XDG_RUNTIME_DIR otherwise, with a fallback', () => {
    expect(defaultPaths({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000, '/home/ana')).toEqual({
      dataDir: '/home/ana/.local/share/ultrabase',
      socket: '/run/user/1000/ultrabase/agent.sock',
      config: '/home/ana/.config/ultrabase/agent.json',
    });
    expect(defaultPaths({}, 1000, '/home/ana').socket).toBe('/home/ana/.ultrabase/run/agent.sock');
  });
});
