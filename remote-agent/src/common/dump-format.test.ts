import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { sniffDump, storagePathSegments } from './dump-format';

const PLAIN = Buffer.from(
  '--\n-- PostgreSQL database dump\n--\n\n-- Dumped from database version 15.8\n' +
    'SET statement_timeout = 0;\nSET lock_timeout = 0;\n',
);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('sniffDump', () => {
  it('takes a plain pg_dump and a gzip-compressed one', () => {
    expect(sniffDump(PLAIN)).toEqual({ gzip: false });
    expect(sniffDump(gzipSync(PLAIN))).toEqual({ gzip: true });
    // a truncated gzip head (the first 64 KiB of a big file) still decompresses
    const big = gzipSync(Buffer.concat([PLAIN, Buffer.alloc(2_000_000, 'x')]), { level: 0 });
    expect(sniffDump(big.subarray(0, 64 * 1024))).toEqual({ gzip: true });
  });

  it('takes supabase db dump output that starts with the session settings', () => {
    expect(
      sniffDump(Buffer.from('\n\nSET statement_timeout = 0;\nSET lock_timeout = 0;\n')),
    ).toEqual({ gzip: false });
  });

  it('refuses custom and tar formats with IMPORT_UNSUPPORTED_FORMAT', () => {
    expect(codeOf(() => sniffDump(Buffer.from('PGDMP\x01\x0e\x00\x04\x08')))).toBe(
      'IMPORT_UNSUPPORTED_FORMAT',
    );
    const tar = Buffer.alloc(1024);
    tar.write('toc.dat', 0);
    tar.write('ustar', 257);
    expect(codeOf(() => sniffDump(tar))).toBe('IMPORT_UNSUPPORTED_FORMAT');
    expect(codeOf(() => sniffDump(gzipSync(Buffer.from('PGDMP\x01'))))).toBe(
      'IMPORT_UNSUPPORTED_FORMAT',
    );
  });

  it('refuses what is not a dump with IMPORT_NOT_A_DUMP', () => {
    expect(codeOf(() => sniffDump(Buffer.from('hello, this is a README\n')))).toBe(
      'IMPORT_NOT_A_DUMP',
    );
    expect(codeOf(() => sniffDump(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0])))).toBe(
      'IMPORT_NOT_A_DUMP',
    );
    expect(codeOf(() => sniffDump(Buffer.from([0x1f, 0x8b, 1, 2, 3, 4])))).toBe(
      'IMPORT_NOT_A_DUMP',
    );
    expect(codeOf(() => sniffDump(gzipSync(Buffer.from('just text'))))).toBe('IMPORT_NOT_A_DUMP');
  });
});

describe('storagePathSegments', () => {
  it('splits a relative path', () => {
    expect(storagePathSegments('stub/stub/photos/a.png')).toEqual([
      'stub',
      'stub',
      'photos',
      'a.png',
    ]);
  });

  it.each(['../etc/passwd', 'a/../../b', '/etc/passwd', 'a//b', 'a/./b', 'a\\..\\b', 'a\0b', ''])(
    'refuses %j with IMPORT_BAD_PATH',
    (p) => {
      expect(codeOf(() => storagePathSegments(p))).toBe('IMPORT_BAD_PATH');
    },
  );
});
