import { describe, expect, it } from 'vitest';
import { UltrabaseError } from '@contract/errors';
import { fakeDesktop, fakeIo, run } from '../cli-test-kit';

describe('connect and disconnect', () => {
  it('connects and says who we are on the agent', async () => {
    const r = await run(['connect', 'web'], fakeDesktop());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('connected to web: agent 1.2.3, logged in as admin (admin)\n');
    expect(r.stderr).toContain('web 100% connected');
  });

  it('draws the connection steps as a bar on a terminal', async () => {
    const r = await run(['connect', 'web'], fakeDesktop(), fakeIo({ tty: true }));
    expect(r.stderr).toMatch(/web █{24} 100% connected/);
  });

  it('fails with the code the core gives', async () => {
    const d = fakeDesktop();
    d.failing.set(
      'srv-web',
      new UltrabaseError('SSH_AUTH_FAILED', 'All configured authentication methods failed'),
    );
    const r = await run(['connect', 'web', '--json'], d);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toEqual({
      code: 'SSH_AUTH_FAILED',
      message: 'All configured authentication methods failed',
    });
    expect(r.stderr).toContain('error SSH_AUTH_FAILED: The SSH login was refused.');
  });

  it('disconnects', async () => {
    const d = fakeDesktop();
    expect((await run(['disconnect', 'web'], d)).stdout).toBe('disconnected web\n');
    expect(d.calls).toContainEqual(['disconnectServer', 'srv-web']);
  });
});
