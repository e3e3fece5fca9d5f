import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppStore, StoreContext } from '../app/store';
import { testApi } from '../app/testApi';
import { i18n } from '../i18n/i18n';
import { ImportDialog } from './ImportDialog';

function dialog(): string {
  const store = createAppStore(testApi({}));
  return renderToStaticMarkup(
    <StoreContext.Provider value={store}>
      <ImportDialog serverId="srv" onClose={() => {}} />
    </StoreContext.Provider>,
  );
}

afterEach(async () => {
  await i18n.changeLanguage('en');
});

describe('the import dialog', () => {
  it('asks for a dump, an optional Storage folder and a name, in English and Portuguese', async () => {
    await i18n.changeLanguage('en');
    const en = dialog();
    expect(en).toContain('Import a Supabase project');
    expect(en).toContain('Storage folder (optional)');
    expect(en).toContain('Choose…');
    // nothing chosen yet: the import cannot start
    expect(en).toMatch(/<button[^>]*disabled=""[^>]*>.*Import<\/button>/);
    expect(en).not.toMatch(/dumpImport\./); // no raw key
    await i18n.changeLanguage('pt-BR');
    const pt = dialog();
    expect(pt).toContain('Importar um projeto Supabase');
    expect(pt).toContain('Pasta do Storage (opcional)');
    expect(pt).not.toMatch(/dumpImport\./);
  });
});
