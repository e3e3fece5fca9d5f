import { useEffect, useState } from 'react';
import { useApp } from '../app/store';
import { resolveTheme } from './settingsSlice';

/** Keeps the `dark` class on <html> in step with the setting and, for 'system', the OS. */
export function useTheme(): void {
  const theme = useApp((s) => s.settings.theme);
  const [prefersDark, setPrefersDark] = useState(
    () => window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false,
  );
  useEffect(() => {
    const mq = window.matchMedia?.('(prefers-color-scheme: dark)');
    if (!mq) return;
    const onChange = () => setPrefersDark(mq.matches);
    mq.addEventListener('change', onChange);
    return () => mq.removeEventListener('change', onChange);
  }, []);
  useEffect(() => {
    document.documentElement.classList.toggle('dark', resolveTheme(theme, prefersDark) === 'dark');
  }, [theme, prefersDark]);
}
