import { describe, expect, it } from 'vitest';
import { toYaml } from './yaml';

describe('toYaml', () => {
  it('writes nested maps and lists in block style', () => {
    expect(
      toYaml({
        services: {
          db: { image: 'supabase/postgres:15', command: ['postgres', '-c', 'a=b'] },
        },
        volumes: { 'db-config': {} },
        list: [{ name: 'a', paths: ['/x'] }, []],
      }),
    ).toBe(
      [
        'services:',
        '  db:',
        '    image: "supabase/postgres:15"',
        '    command:',
        '      - postgres',
        '      - "-c"',
        '      - "a=b"',
        'volumes:',
        '  db-config: {}',
        'list:',
        '  - name: a',
        '    paths:',
        '      - /x',
        '  - []',
        '',
      ].join('\n'),
    );
  });

  it('quotes what YAML 1.1 would misread: port pairs, booleans, numbers, empties', () => {
    const out = toYaml({ p: '8000:8000', b: 'on', t: 'true', d: '5432', e: '', s: 'a b' });
    expect(out).toBe('p: "8000:8000"\nb: "on"\nt: "true"\nd: "5432"\ne: ""\ns: "a b"\n');
  });

  it('keeps real numbers and booleans typed, skips undefined keys, escapes control chars', () => {
    expect(toYaml({ num: 2, f: false, u: undefined, z: null, q: 'x\n"y"' })).toBe(
      'num: 2\nf: false\nz: null\nq: "x\\n\\"y\\""\n',
    );
  });

  it('puts a header comment on every line', () => {
    expect(toYaml({ a: 'b' }, 'one\n\ntwo')).toBe('# one\n#\n# two\na: b\n');
  });

  it('quotes keys that are not plain identifiers', () => {
    expect(toYaml({ 'com.docker.compose.project': 'x', 'a b': 'c', yes: 'd' })).toBe(
      'com.docker.compose.project: x\n"a b": c\n"yes": d\n',
    );
  });
});
