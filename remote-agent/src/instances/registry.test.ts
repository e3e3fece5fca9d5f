import { mkdtempSync, promises as fs, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentEvent, Instance } from '@protocol/types';
import { StateStore, STATE_FILE } from '../state/store';
import { StoreInstanceRegistry } from './registry';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ub-registry-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** The registry entry's status on disk right now. */
const statusOnDisk = (id: string): string | undefined =>
  (
    JSON.parse(readFileSync(path.join(dir, STATE_FILE), 'utf8')) as {
      instances: Record<string, { status?: string }>;
    }
  ).instances[id]?.status;

async function setup() {
  const store = await StateStore.open(dir);
  const events: Array<{ event: AgentEvent; onDisk: string | undefined }> = [];
  const registry = new StoreInstanceRegistry(
    store,
    (event) => {
      const id = event.type === 'instance.changed' ? event.instance.id : '';
      events.push({ event, onDisk: statusOnDisk(id) });
    },
    () => new Date('2026-12-02T12:00:00Z'),
  );
  const instance = {
    id: 'i1',
    name: 'one',
    owner: 'admin',
    project: 'ub_i1',
    status: 'running',
    services: [{ service: 'db', state: 'running', health: 'none' }],
    ports: {},
    createdAt: '2026-12-02T11:00:00Z',
    updatedAt: '2026-12-02T11:00:00Z',
  } as unknown as Instance;
  await registry.insert(instance, () => {});
  events.length = 0;
  return { registry, events };
}

const statusOf = (e: { event: AgentEvent }) =>
  e.event.type === 'instance.changed' ? e.event.instance.status : e.event.type;

describe('StoreInstanceRegistry announcements', () => {
  it('announces a change once it is on disk, or at once when asked (an observed status)', async () => {
    const { registry, events } = await setup();
    await registry.update('i1', { status: 'degraded' });
    expect(events.map((e) => [statusOf(e), e.onDisk])).toEqual([['degraded', 'degraded']]);

    events.length = 0;
    const written = registry.update('i1', { status: 'stopped' }, { announce: 'applied' });
    // Announced in the same tick the change was applied, before the write it waits for.
    expect(events.map((e) => [statusOf(e), e.onDisk])).toEqual([['stopped', 'degraded']]);
    await written;
    expect(statusOnDisk('i1')).toBe('stopped');
    expect(events).toHaveLength(1);
  });

  it('never announces an older state after a newer one of the same instance', async () => {
    const { registry, events } = await setup();
    // The first waits for its write; the second is applied on top and announced at once.
    const first = registry.update('i1', { name: 'renamed' });
    const second = registry.update('i1', { status: 'degraded' }, { announce: 'applied' });
    await Promise.all([first, second]);
    const changed = events.flatMap((e) => (e.event.type === 'instance.changed' ? [e.event] : []));
    // One announcement, carrying both changes; the first's own (older) snapshot is not sent.
    expect(changed).toHaveLength(1);
    expect(changed[0]?.instance).toMatchObject({ name: 'renamed', status: 'degraded' });

    // Later durable changes are announced again as usual.
    await registry.update('i1', { status: 'running' });
    expect(events.map(statusOf).at(-1)).toBe('running');
  });
});
