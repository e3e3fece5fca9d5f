import { describe, expect, it } from 'vitest';
import { asText, isEnvName, problemOf } from './fields';

describe('settings fields', () => {
  it('flags what the agent would refuse, before anything is sent', () => {
    expect(problemOf('url', 'https://app.example.com')).toBeNull();
    expect(problemOf('url', 'app.example.com')).toBe('url');
    expect(problemOf('url-list', 'https://*.example.com/**, https://b.example.com')).toBeNull();
    expect(problemOf('url-list', 'https://a.example.com, nope')).toBe('url');
    expect(problemOf('port', '587')).toBeNull();
    expect(problemOf('port', '70000')).toBe('port');
    expect(problemOf('int', '12a')).toBe('int');
    expect(problemOf('email', 'no-reply@example.com')).toBeNull();
    expect(problemOf('email', 'no-reply')).toBe('email');
    expect(problemOf('host', 'smtp.example.com')).toBeNull();
    expect(problemOf('host', 'smtp example')).toBe('host');
    expect(problemOf('text', 'Shop\nBcc: x')).toBe('oneLine');
    expect(problemOf('secret', 'any $ecret')).toBeNull();
  });

  it('shows lists comma-separated and checks variable names', () => {
    expect(asText(['public', 'api'])).toBe('public, api');
    expect(asText(587)).toBe('587');
    expect(isEnvName('GOTRUE_LOG_LEVEL')).toBe(true);
    expect(isEnvName('A=B')).toBe(false);
    expect(isEnvName('1X')).toBe(false);
  });
});
