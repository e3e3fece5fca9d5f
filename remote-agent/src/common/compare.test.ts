import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Instance } from '@protocol/types';
import { newInstanceId } from '../instances/ids';
import { StoreInstanceRegistry } from '../instances/registry';
import { ReleaseCatalog } from '../stack/releases';
import { StateStore } from '../state/store';
import { byCodeUnit } from './compare';

afterEach(() => vi.restoreAllMocks());

describe('byCodeUnit', () => {
  it('orders what the agent sorts by it as localeCompare does', () => {
    const ids = Array.from({ length: 200 }, () => newInstanceId());
    const times = Array.from({ length: 200 }, (_, i) =>
      new Date(Date.UTC(2026, i % 12, (i % 28) + 1, i % 24, i % 60, i % 60, i)).toISOString(),
    );
    const services = ['db', 'auth', 'rest', 'realtime', 'storage', 'imgproxy', 'meta', 'kong'];
    const dates = ['2026-02-16', '2026-06-03', '2025-12-31', '2026-06-30'];
    for (const list of [ids, times, services, dates]) {
      expect([...list].sort(byCodeUnit)).toEqual([...list].sort((a, b) => a.localeCompare(b)));
    }
  });

  it('keeps ICU collation off the idle path: the release catalog and the instance list', async () => {
    // The first localeCompare maps ICU's collation tables (about 3 MiB of RSS, measured).
    const spy = vi.spyOn(String.prototype, 'localeCompare');
    new ReleaseCatalog();
    const dir = mkdtempSync(path.join(tmpdir(), 'ub-compare-'));
    try {
      const registry = new StoreInstanceRegistry(
        await StateStore.open(dir),
        () => {},
        () => new Date('2026-12-02T12:00:00Z'),
      );
      for (const [id, createdAt] of [
        ['bbbbbbbbbb', '2026-12-02T11:00:00.000Z'],
        ['aaaaaaaaaa', '2026-12-02T11:00:00.000Z'],
        ['cccccccccc', '2026-12-01T09:00:00.000Z'],
      ] as const) {
        await registry.insert({ id, name: id, createdAt } as unknown as Instance, () => {});
      }
      expect(registry.list().map((i) => i.id)).toEqual(['cccccccccc', 'aaaaaaaaaa', 'bbbbbbbbbb']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(spy).not.toHaveBeenCalled();
  });
});
