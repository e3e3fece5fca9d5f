import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { PostgresUpgradePlan, UpgradePlan } from '@contract/api';
import { createAppStore, StoreContext } from '../app/store';
import { project, testApi } from '../app/testApi';
import { UpgradeDialog } from './UpgradeDialog';

const plan: UpgradePlan = {
  instanceId: 'i1',
  from: '2026.02.16',
  to: '2026.06.03',
  upToDate: false,
  images: [
    { service: 'auth', from: 'supabase/gotrue:v2.186.0', to: 'supabase/gotrue:v2.189.0' },
    { service: 'kong', from: 'kong:2.8.1', to: 'kong/kong:3.9.1' },
  ],
  files: ['docker-compose.yml'],
  databaseChanges: false,
  notes: ['Kong 3.9.1 replaces Kong 2.8.1.'],
  fixes: [],
};
const pgPlan: PostgresUpgradePlan = {
  ...plan,
  to: '2026.07.01-pg17',
  images: [
    { service: 'db', from: 'supabase/postgres:15.8.1.085', to: 'supabase/postgres:17.6.1.136' },
  ],
  databaseChanges: true,
  fromMajor: 15,
  toMajor: 17,
};
function dialog(p: UpgradePlan): string {
  const store = createAppStore(testApi({}));
  store.getInitialState = store.getState;
  return renderToStaticMarkup(
    <StoreContext.Provider value={store}>
      <UpgradeDialog project={project()} plan={p} onClose={() => {}} onConfirm={async () => {}} />
    </StoreContext.Provider>,
  );
}

describe('UpgradeDialog', () => {
  it('shows the plan before anything happens: notes, image changes, what restarts, files', () => {
    const html = dialog(plan);
    expect(html).toContain('Upgrade alpha to release 2026.06.03');
    expect(html).toContain('Kong 3.9.1 replaces Kong 2.8.1.');
    expect(html).toContain('supabase/gotrue:v2.189.0');
    expect(html).toContain('Restarts: auth, kong.');
    expect(html).toContain('Changed files: docker-compose.yml');
    expect(html).not.toContain('Type alpha to confirm');
    expect(html).not.toMatch(/<button[^>]*\sdisabled=""[^>]*>Upgrade to/);
  });

  it('a Postgres major upgrade warns and waits for the project name typed', () => {
    const html = dialog(pgPlan);
    expect(html).toContain('Upgrade Postgres of alpha: 15 → 17');
    expect(html).toContain('try it on a copy of the project first');
    expect(html).toContain('Type alpha to confirm');
    expect(html).toMatch(/<button[^>]*\sdisabled=""[^>]*>Upgrade Postgres</);
  });
});
