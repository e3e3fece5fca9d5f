import { useSyncExternalStore } from 'react';

/**
 * Whether <html> carries the `dark` class. Components that paint outside CSS (xterm's canvas
 * colours) follow the class itself, so every way it changes (setting, OS preference) is seen.
 */
export function useDarkClass(): boolean {
  return useSyncExternalStore(subscribe, () => document.documentElement.classList.contains('dark'));
}

function subscribe(onChange: () => void): () => void {
  const observer = new MutationObserver(onChange);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });
  return () => observer.disconnect();
}
