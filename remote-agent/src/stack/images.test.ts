import { describe, expect, it } from 'vitest';
import { imageName, resolveImage, STACK_IMAGES } from './images';
import { STACK_SERVICES } from './services';

describe('images', () => {
  it('strips tags and digests but not registry ports', () => {
    expect(imageName('supabase/postgres:15.8.1.085')).toBe('supabase/postgres');
    expect(imageName('kong:2.8.1')).toBe('kong');
    expect(imageName('registry.local:5000/supabase/studio:1')).toBe(
      'registry.local:5000/supabase/studio',
    );
    expect(imageName('registry.local:5000/kong')).toBe('registry.local:5000/kong');
    expect(imageName('a/b@sha256:abcd')).toBe('a/b');
  });

  it('pins a tagged image for every service', () => {
    for (const s of STACK_SERVICES) expect(STACK_IMAGES[s.name]).toMatch(/:[\w.-]+$/);
  });

  it('uses an override only for its own official name', () => {
    expect(resolveImage('db', { 'supabase/postgres': 'x/pg:1' })).toBe('x/pg:1');
    expect(resolveImage('db', { 'supabase/postgres:15.8.1.085': 'x/pg:1' })).toBe(STACK_IMAGES.db);
    expect(resolveImage('meta', { 'supabase/postgres': 'x/pg:1' })).toBe(STACK_IMAGES.meta);
  });
});
