import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { issuanceErrors } from './certificates';

let dir: string | undefined;
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

describe('issuanceErrors', () => {
  it('keeps the last error per name from Caddy’s JSON log, cleared by a later success', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ub-caddylog-'));
    const log = path.join(dir, 'caddy.log');
    const line = (o: Record<string, unknown>) => JSON.stringify(o);
    writeFileSync(
      log,
      [
        'not json',
        line({
          level: 'error',
          ts: 1796196000,
          logger: 'tls.obtain',
          msg: 'could not get certificate from issuer',
          identifier: 'a.acme.test',
          error: 'HTTP 429 urn:ietf:params:acme:error:rateLimited',
        }),
        line({
          level: 'error',
          ts: 1796196001,
          logger: 'tls.obtain',
          msg: 'could not get certificate from issuer',
          identifier: 'b.acme.test',
          error: 'challenge failed',
        }),
        line({
          level: 'info',
          ts: 1796196002,
          logger: 'tls.obtain',
          msg: 'certificate obtained successfully',
          identifier: 'b.acme.test',
        }),
        line({
          level: 'error',
          ts: 1796196003,
          logger: 'http.log.error',
          msg: 'x',
          identifier: 'c.acme.test',
        }),
      ].join('\n') + '\n',
    );
    const errors = await issuanceErrors(log);
    expect([...errors.keys()]).toEqual(['a.acme.test']);
    expect(errors.get('a.acme.test')!.message).toContain('rateLimited');
    expect(errors.get('a.acme.test')!.at).toBe(new Date(1796196000 * 1000).toISOString());
    expect((await issuanceErrors(path.join(dir, 'missing.log'))).size).toBe(0);
  });
});
