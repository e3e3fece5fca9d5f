import { describe, expect, it } from 'vitest';
import { formatBytes, formatMb, formatNumber, timeAgo } from './format';

describe('Intl formatting in the UI language', () => {
  it('writes sizes with the locale decimal separator', () => {
    expect(formatBytes(1.5 * 1024 ** 3, 'en')).toBe('1.5 GB');
    expect(formatBytes(1.5 * 1024 ** 3, 'pt-BR')).toBe('1,5 GB');
    expect(formatBytes(512, 'en')).toBe('512 byte');
    expect(formatMb(2387, 'pt-BR')).toBe('2,3 GB');
    expect(formatBytes(-1, 'en')).toBe('—');
  });

  it('groups thousands per locale', () => {
    expect(formatNumber(12345, 'en')).toBe('12,345');
    expect(formatNumber(12345, 'pt-BR')).toBe('12.345');
  });

  it('says relative times in the locale', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    expect(timeAgo('2026-03-01T11:59:50Z', now, 'en')).toBe('just now');
    expect(timeAgo('2026-03-01T11:59:50Z', now, 'pt-BR')).toBe('agora mesmo');
    expect(timeAgo('2026-03-01T11:57:00Z', now, 'en')).toBe('3 min. ago');
    expect(timeAgo('2026-03-01T11:57:00Z', now, 'pt-BR')).toBe('há 3 min.');
    expect(timeAgo('2026-02-27T12:00:00Z', now, 'pt-BR')).toBe('há 2 dias');
    expect(timeAgo('not a date', now, 'en')).toBe('not a date');
  });
});
