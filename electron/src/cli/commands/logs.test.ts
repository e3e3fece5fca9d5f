import { describe, expect, it } from 'vitest';
import { fakeDesktop, fakeIo, project, run } from '../cli-test-kit';

const seeded = () => fakeDesktop({ projects: [project({ name: 'shop' })] });

describe('logs', () => {
  it('prints the last lines, aligned for people and one JSON object per line with --json', async () => {
    const d = seeded();
    const human = await run(['logs', 'web', 'shop', '--tail', '50', '--service', 'auth'], d);
    expect(human.stdout).toBe('auth       started\nkong       ready\n');
    expect(d.calls.find((c) => c[0] === 'readLogs')).toEqual([
      'readLogs',
      'inst-shop',
      { service: 'auth', tail: 50 },
    ]);
    const json = await run(['logs', 'web', 'shop', '--json'], d);
    expect(
      json.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).service),
    ).toEqual(['auth', 'kong']);
  });

  it('--follow (or -f) prints what arrives, acknowledges it, and closes the stream on Ctrl-C', async () => {
    const d = seeded();
    const io = fakeIo();
    const following = run(['logs', 'web', 'shop', '-f'], d, io);
    await new Promise((r) => setTimeout(r, 10));
    const line = { service: 'db', time: 't', text: 'checkpoint', stream: 'stdout' as const };
    d.emit({ type: 'stream.data', stream: 'st-1', lines: [line], bytes: 42 });
    d.emit({ type: 'stream.data', stream: 'other', lines: [line], bytes: 7 });
    io.interrupt();
    expect((await following).code).toBe(0);
    expect(io.stdout.text).toBe('db         checkpoint\n');
    expect(d.calls.filter((c) => c[0] === 'ackStream')).toEqual([['ackStream', 'st-1', 42]]);
    expect(d.calls.some((c) => c[0] === 'closeStream' && c[1] === 'st-1')).toBe(true);
  });

  it('--follow ends with the stream, and fails with its error code', async () => {
    const d = seeded();
    const following = run(['logs', 'web', 'shop', '--follow', '--json'], d);
    await new Promise((r) => setTimeout(r, 10));
    d.emit({
      type: 'stream.end',
      stream: 'st-1',
      error: { code: 'CONNECTION_LOST', message: 'gone' },
    });
    const r = await following;
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('CONNECTION_LOST');
  });

  it('refuses a tail that is not a whole number', async () => {
    expect((await run(['logs', 'web', 'shop', '--tail', 'lots'], seeded())).code).toBe(2);
  });
});
