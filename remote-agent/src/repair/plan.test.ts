import { describe, expect, it } from 'vitest';
import type { ServiceState } from '@protocol/types';
import { planRepair, type RepairFacts } from './plan';

const up = (service: string, patch: Partial<ServiceState> = {}): ServiceState => ({
  service,
  state: 'running',
  health: 'healthy',
  restarts: 0,
  ...patch,
});

const facts = (patch: Partial<RepairFacts> = {}): RepairFacts => ({
  states: [up('db'), up('kong'), up('auth')],
  network: { present: true, detached: [], containers: [] },
  fileDiffs: [],
  orphans: [],
  stopped: false,
  ...patch,
});

describe('planRepair', () => {
  it('plans nothing for a healthy instance', () => {
    expect(planRepair(facts())).toEqual([]);
  });

  it('starts what is down and recreates what is unhealthy or crash-looping', () => {
    const actions = planRepair(
      facts({
        states: [
          up('db', { state: 'exited', exitCode: 137 }),
          up('kong', { health: 'unhealthy' }),
          up('auth', { state: 'restarting', restarts: 7 }),
          up('rest', { state: 'missing', health: 'none' }),
        ],
      }),
    );
    expect(actions.map((a) => `${a.kind} ${a.target}`)).toEqual([
      'start-stack db, rest',
      'restart-container auth',
      'restart-container kong',
    ]);
  });

  it('recreates a service caught between two crashes (running, starting, restarted)', () => {
    const actions = planRepair(
      facts({ states: [up('auth', { health: 'starting', restarts: 1 })] }),
    );
    expect(actions.map((a) => `${a.kind} ${a.target}`)).toEqual(['restart-container auth']);
    // A first start that is merely slow is left alone.
    expect(planRepair(facts({ states: [up('auth', { health: 'starting' })] }))).toEqual([]);
  });

  it('re-renders damaged files, applies compose/.env through up and re-reads mounted files', () => {
    const actions = planRepair(
      facts({
        fileDiffs: [
          { path: 'docker-compose.yml', problem: 'missing' },
          { path: '.env', problem: 'content' },
          { path: 'volumes/api/kong.yml', problem: 'content' },
          { path: 'volumes/db/roles.sql', problem: 'mode' },
        ],
      }),
    );
    expect(actions.map((a) => `${a.kind} ${a.target}`)).toEqual([
      'rerender-file docker-compose.yml',
      'rerender-file .env',
      'rerender-file volumes/api/kong.yml',
      'rerender-file volumes/db/roles.sql',
      'start-stack all',
      'restart-container kong',
    ]);
  });

  it('recreates the network instead of starting or restarting one by one', () => {
    const actions = planRepair(
      facts({
        network: { present: false, detached: [], containers: [] },
        states: [up('db', { state: 'exited' }), up('kong', { health: 'unhealthy' })],
      }),
    );
    expect(actions.map((a) => a.kind)).toEqual(['recreate-network']);
  });

  it('removes orphans first, and never plans anything that deletes data', () => {
    const actions = planRepair(
      facts({
        orphans: [
          {
            project: 'ub_gone000001',
            instanceId: 'gone000001',
            containers: [{ id: 'c1', name: 'ub_gone000001_db_1' }],
            networks: [{ id: 'n1', name: 'ub_gone000001_default' }],
          },
        ],
        states: [up('db', { state: 'exited' })],
      }),
    );
    expect(actions.map((a) => a.kind)).toEqual([
      'remove-orphan-container',
      'remove-orphan-network',
      'start-stack',
    ]);
    for (const a of actions) expect(a.kind).not.toMatch(/volume|data/);
  });

  it('fixes files of a stopped instance without starting it', () => {
    const actions = planRepair(
      facts({
        stopped: true,
        states: [up('db', { state: 'exited' })],
        fileDiffs: [{ path: '.env', problem: 'missing' }],
      }),
    );
    expect(actions.map((a) => a.kind)).toEqual(['rerender-file']);
  });
});
