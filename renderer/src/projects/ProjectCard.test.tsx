import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { ProjectView } from '@contract/api';
import { createAppStore, StoreContext } from '../app/store';
import { project, server, testApi } from '../app/testApi';
import { ProjectCard } from './ProjectCard';

function startButton(status: ProjectView['status']): string {
  const store = createAppStore(testApi({}));
  store.getInitialState = store.getState;
  store.getState().upsertServer(server({ state: 'connected' }));
  const html = renderToStaticMarkup(
    <StoreContext.Provider value={store}>
      <ProjectCard project={project({ status })} />
    </StoreContext.Provider>,
  );
  const buttons = html.match(/<button[^>]*>(?:(?!<\/button>).)*<\/button>/g) ?? [];
  const start = buttons.find((b) => />Start</.test(b));
  if (!start) throw new Error(`no Start button in ${html}`);
  return start.slice(0, start.indexOf('>'));
}

describe('ProjectCard', () => {
  it('offers Start for a stopped project only: the agent refuses a failed creation', () => {
    expect(startButton('stopped')).not.toContain(' disabled=""');
    expect(startButton('failed')).toContain(' disabled=""');
  });
});
