import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './styles.css';
import { I18nextProvider } from 'react-i18next';
import { i18n } from './i18n/i18n';
import { App } from './app/App';
import { createAppStore, startApp, StoreContext } from './app/store';

const store = createAppStore(window.ultrabase);
startApp(store);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <I18nextProvider i18n={i18n}>
      <StoreContext.Provider value={store}>
        <App />
      </StoreContext.Provider>
    </I18nextProvider>
  </StrictMode>,
);
