import { describe, expect, it } from 'vitest';
import { TAGS_MAX, checkTags, hasTag } from './tags';

describe('project tags', () => {
  it('normalises, de-duplicates and sorts', () => {
    expect(checkTags([' Env:Staging ', 'cliente:acme', 'env:staging', 'vip'])).toEqual({
      ok: true,
      tags: ['cliente:acme', 'env:staging', 'vip'],
    });
  });

  it('accepts Brazilian names (accents, NFC) and refuses what is not a tag, saying why', () => {
    expect(checkTags(['cliente:são-paulo'])).toEqual({ ok: true, tags: ['cliente:são-paulo'] });
    // The decomposed "ã" (a + combining tilde) is the same tag after NFC.
    expect(checkTags(['cliente:sa\u0303o-paulo'])).toEqual({
      ok: true,
      tags: ['cliente:são-paulo'],
    });
    for (const bad of ['a b', 'a:b:c', ':acme', 'env:', '-x', 'a;rm -rf', 'x/y', '<b>']) {
      expect(checkTags([bad])).toMatchObject({ ok: false, problem: 'format' });
    }
    expect(checkTags(['  '])).toMatchObject({ ok: false, problem: 'empty' });
    expect(checkTags([`${'k'.repeat(33)}:v`])).toMatchObject({ ok: false, problem: 'too-long' });
    expect(checkTags([`k:${'v'.repeat(65)}`])).toMatchObject({ ok: false, problem: 'too-long' });
    const many = Array.from({ length: TAGS_MAX + 1 }, (_, i) => `t${i}`);
    expect(checkTags(many)).toMatchObject({ ok: false, problem: 'too-many' });
    expect(checkTags(many.slice(1))).toMatchObject({ ok: true });
  });

  it('matches a filter by whole tag or by key', () => {
    const tags = ['cliente:acme', 'env:staging'];
    expect(hasTag(tags, 'cliente:acme')).toBe(true);
    expect(hasTag(tags, 'Cliente')).toBe(true);
    expect(hasTag(tags, 'cliente:ac')).toBe(false);
    expect(hasTag(tags, 'env:prod')).toBe(false);
    expect(hasTag(undefined, 'env')).toBe(false);
  });
});
