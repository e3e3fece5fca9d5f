import { describe, expect, it } from 'vitest';
import { project } from '../app/testApi';
import { byAttention, loadLayout, matchesQuery, saveLayout, statusCounts } from './fleet';

describe('fleet ordering and counts', () => {
  const list = [
    project({ id: 'a', name: 'alpha', status: 'running' }),
    project({ id: 'b', name: 'bravo', status: 'failed' }),
    project({ id: 'c', name: 'charlie', status: 'degraded' }),
    project({ id: 'd', name: 'delta', status: 'running', needsAttention: true }),
    project({ id: 'e', name: 'echo', status: 'stopped' }),
    project({ id: 'f', name: 'foxtrot', status: 'running' }),
  ];

  it('puts what needs attention first, then stopped, then running', () => {
    expect([...list].sort(byAttention).map((p) => p.name)).toEqual([
      'bravo',
      'delta',
      'charlie',
      'echo',
      'alpha',
      'foxtrot',
    ]);
  });

  it('counts each status present, worst first', () => {
    expect(statusCounts(list)).toEqual([
      ['failed', 1],
      ['degraded', 1],
      ['stopped', 1],
      ['running', 3],
    ]);
  });

  it('searches names and servers', () => {
    const p = project({ name: 'Loja-Bahia', serverName: 'vps-sp' });
    expect(matchesQuery(p, 'bahia')).toBe(true);
    expect(matchesQuery(p, 'VPS-SP')).toBe(true);
    expect(matchesQuery(p, 'recife')).toBe(false);
    expect(matchesQuery(p, '  ')).toBe(true);
  });

  it('remembers the layout', () => {
    const data = new Map<string, string>();
    const storage = {
      getItem: (k: string) => data.get(k) ?? null,
      setItem: (k: string, v: string) => void data.set(k, v),
    };
    expect(loadLayout(storage)).toBe('cards');
    saveLayout(storage, 'table');
    expect(loadLayout(storage)).toBe('table');
    expect(loadLayout(undefined)).toBe('cards');
  });
});
