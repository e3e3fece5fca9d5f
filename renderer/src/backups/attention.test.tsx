import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProjectView } from '@contract/api';
import { createAppStore, StoreContext } from '../app/store';
import { project, server, testApi } from '../app/testApi';
import { i18n } from '../i18n/i18n';
import { ProjectCard } from '../projects/ProjectCard';
import { ProjectPage } from '../projects/ProjectPage';
import { attentionRank } from '../projects/fleet';
import { needsAttention } from './attention';

// A failed restore drill keeps a project "needs attention" on its card, in the fleet order and
// on its page, although the project is healthy (`needsAttention` false: the health scheduler
// cleared it) — until a later drill passes.

const failed = project({
  status: 'running',
  needsAttention: false,
  backupStatus: {
    lastVerifiedAt: '2026-11-25T03:00:00Z',
    lastDrill: {
      at: '2026-12-02T03:00:00Z',
      ok: false,
      backupId: 'b20261202t020000z-abc123',
      code: 'RESTORE_FAILED',
      message: 'public.orders: 3 rows, not 5.',
    },
  },
});
const passed = project({
  backupStatus: {
    lastVerifiedAt: '2026-12-03T03:00:00Z',
    lastDrill: { at: '2026-12-03T03:00:00Z', ok: true, backupId: 'b20261203t020000z-abc123' },
  },
});

function render(element: React.ReactElement, p: ProjectView): string {
  const store = createAppStore(testApi({}));
  store.getInitialState = store.getState;
  store.getState().upsertServer(server({ state: 'connected' }));
  store.getState().upsertProject(p);
  return renderToStaticMarkup(
    <StoreContext.Provider value={store}>{element}</StoreContext.Provider>,
  );
}

afterEach(async () => {
  await i18n.changeLanguage('en');
});

describe('a failed restore drill', () => {
  it('counts as needing attention apart from health, until a later drill passes', () => {
    expect(needsAttention(failed)).toBe(true);
    expect(needsAttention(passed)).toBe(false);
    expect(needsAttention(project())).toBe(false);
    // Sorted with the projects a person must look at, before healthy ones.
    expect(attentionRank(failed)).toBe(1);
    expect(attentionRank(passed)).toBeGreaterThan(1);
  });

  it('shows on the project card, with a way to the Backups tab, in both languages', async () => {
    const html = render(<ProjectCard project={failed} />, failed);
    expect(html).toContain('data-testid="drill-failed"');
    expect(html).toContain('The last restore drill failed');
    expect(html).toContain('Open backups');
    expect(render(<ProjectCard project={passed} />, passed)).not.toContain('drill-failed');
    await i18n.changeLanguage('pt-BR');
    expect(render(<ProjectCard project={failed} />, failed)).toContain(
      'O último teste de restauração falhou',
    );
  });

  it('explains on the project page what failed', () => {
    const html = render(<ProjectPage serverId="s1" instanceId="i1" tab="overview" />, failed);
    expect(html).toContain('role="alert"');
    expect(html).toContain('public.orders: 3 rows, not 5.');
    const ok = render(<ProjectPage serverId="s1" instanceId="i1" tab="overview" />, passed);
    expect(ok).not.toContain('drill-failed');
  });
});
