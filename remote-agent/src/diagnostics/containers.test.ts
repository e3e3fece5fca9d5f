import { describe, expect, it } from 'vitest';
import type { ServiceState } from '@protocol/types';
import { judgeContainer } from './containers';
import { judgeLogLines } from './log-scan';

const s = (patch: Partial<ServiceState>): ServiceState => ({
  service: 'rest',
  state: 'running',
  health: 'none',
  restarts: 0,
  ...patch,
});

describe('judgeContainer', () => {
  it('names each way a container can be down', () => {
    expect(judgeContainer(s({})).status).toBe('ok');
    expect(judgeContainer(s({ state: 'missing' })).evidence).toMatch(/No container/);
    const killed = judgeContainer(s({ state: 'exited', exitCode: 137 }));
    expect(killed.status).toBe('fail');
    expect(killed.evidence).toMatch(/exit code 137 \(killed with SIGKILL\)/);
    const oom = judgeContainer(s({ state: 'exited', exitCode: 137, oomKilled: true }));
    expect(oom.evidence).toMatch(/out of memory/);
    expect(oom.fix).toMatch(/memory/);
    expect(judgeContainer(s({ state: 'exited', exitCode: 0 })).evidence).toMatch(/stopped/);
    expect(judgeContainer(s({ health: 'unhealthy' })).evidence).toMatch(/healthcheck fails/);
  });

  it('calls a service that keeps restarting a crash loop, and a recovered one a warning', () => {
    expect(judgeContainer(s({ state: 'restarting', restarts: 1 })).evidence).toMatch(/Crash loop/);
    expect(judgeContainer(s({ health: 'starting', restarts: 5 })).evidence).toMatch(/Crash loop/);
    const recovered = judgeContainer(s({ health: 'healthy', restarts: 2 }));
    expect(recovered.status).toBe('warn');
    expect(recovered.evidence).toMatch(/restarted 2 times/);
    expect(judgeContainer(s({ health: 'starting' })).status).toBe('warn');
  });
});

describe('judgeLogLines', () => {
  it('warns on error lines and masks secrets in the evidence', () => {
    const secret = 'a1b2c3d4e5f6a7b8';
    const r = judgeLogLines(
      ['started', `FATAL: password authentication failed (password ${secret})`, 'ok'],
      [secret],
    );
    expect(r.status).toBe('warn');
    expect(r.evidence).toMatch(/1 of the last 3 lines/);
    expect(r.evidence).not.toContain(secret);
    expect(judgeLogLines(['all good', 'terror? no: "errors" is not a word match'], []).status).toBe(
      'ok',
    );
  });
});
