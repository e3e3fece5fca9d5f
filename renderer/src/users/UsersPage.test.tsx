import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { UserPublic } from '@contract/api';
import { createAppStore, StoreContext } from '../app/store';
import { server, testApi } from '../app/testApi';
import { UsersPage } from './UsersPage';

const user = (username: string, role: UserPublic['role']): UserPublic => ({
  username,
  role,
  disabled: false,
  grants: [],
  createdAt: '2026-01-01T00:00:00Z',
});

function render(): { html: string } {
  const store = createAppStore(testApi({}));
  // Server rendering reads zustand's initial state; this test renders the state it sets up.
  store.getInitialState = store.getState;
  store.getState().upsertServer(server({ state: 'connected', user: user('admin', 'admin') }));
  store.setState({ users: { s1: [user('admin', 'admin'), user('bob', 'user')] } });
  const html = renderToStaticMarkup(
    <StoreContext.Provider value={store}>
      <UsersPage serverId="s1" />
    </StoreContext.Provider>,
  );
  return { html };
}

function row(html: string, username: string): string {
  const start = html.indexOf(`data-username="${username}"`);
  const end = html.indexOf('</li>', start);
  return html.slice(start, end);
}

describe('UsersPage', () => {
  it('does not let an admin disable, demote or delete their own account', () => {
    const { html } = render();
    const me = row(html, 'admin');
    expect(me).toMatch(/<select[^>]*aria-label="Role of admin"[^>]*disabled=""/);
    expect(me).toMatch(/<button[^>]*disabled=""[^>]*>Disable<\/button>/);
    expect(me).toMatch(/<button[^>]*disabled=""[^>]*>Delete<\/button>/);
    const bob = row(html, 'bob');
    expect(bob).not.toContain('disabled=""');
  });

  it('paints Delete in the danger colour, not the ghost foreground', () => {
    const { html } = render();
    const del = /<button[^>]*class="([^"]*)"[^>]*>Delete<\/button>/.exec(row(html, 'bob'));
    expect(del?.[1]).toContain('text-danger');
    expect(del?.[1]).not.toMatch(/\btext-fg\b/);
  });

  it('keeps the role select narrow (no w-full fighting w-24)', () => {
    const { html } = render();
    const select = /<select[^>]*aria-label="Role of bob"[^>]*class="([^"]*)"/.exec(
      row(html, 'bob'),
    );
    expect(select?.[1]).toContain('w-24');
    expect(select?.[1]).not.toMatch(/\bw-full\b/);
  });
});
