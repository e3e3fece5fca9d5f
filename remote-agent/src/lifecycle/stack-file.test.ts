import { describe, expect, it } from 'vitest';
import { summarizeComposeFile } from './stack-file';

describe('summarizeComposeFile', () => {
  it('reads services and images from block YAML, ignoring other sections and comments', () => {
    const yaml = [
      '# header: services: not this',
      'services:',
      '  db:',
      '    image: "registry.example.com:5000/supabase/postgres:15.8" # pinned',
      '    healthcheck:',
      '      test:',
      '        - CMD',
      '  "kong":',
      "    image: 'kong:2.8.1'",
      '    environment:',
      '      image: not-an-image',
      'volumes:',
      '  data:',
      '    image: nope',
      '',
    ].join('\n');
    const s = summarizeComposeFile(yaml);
    expect(s.services).toEqual(['db', 'kong']);
    expect([...s.images]).toEqual([
      ['db', 'registry.example.com:5000/supabase/postgres:15.8'],
      ['kong', 'kong:2.8.1'],
    ]);
  });

  it('reads the JSON form too', () => {
    const s = summarizeComposeFile(JSON.stringify({ services: { a: { image: 'x:1' }, b: {} } }));
    expect(s.services).toEqual(['a', 'b']);
    expect([...s.images]).toEqual([['a', 'x:1']]);
  });
});
