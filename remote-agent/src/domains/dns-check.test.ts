import { describe, expect, it } from 'vitest';
import { checkResolvesToServer, serverAddresses, type DnsLookup } from './dns-check';

const lookup = (answers: Record<string, string[] | Error>): DnsLookup => ({
  async addresses(name) {
    const answer = answers[name] ?? [];
    if (answer instanceof Error) throw answer;
    return answer;
  },
});

async function refusal(promise: Promise<void>) {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string; data: Record<string, unknown> };
  }
  throw new Error('expected a refusal');
}

describe('checkResolvesToServer', () => {
  it('passes when every address of the name is the server’s', async () => {
    await checkResolvesToServer(
      'api.acme.test',
      ['203.0.113.10', '2001:db8::10'],
      lookup({ 'api.acme.test': ['203.0.113.10', '2001:db8::10'] }),
    );
  });

  it('refuses a name that does not resolve, with the record to create', async () => {
    const error = await refusal(
      checkResolvesToServer('api.acme.test', ['203.0.113.10'], lookup({})),
    );
    expect(error.code).toBe('DOMAIN_DNS_MISMATCH');
    expect(error.data.records).toEqual([
      { type: 'A', name: 'api.acme.test', value: '203.0.113.10' },
    ]);
    expect(error.message).toContain('api.acme.test. A 203.0.113.10');
  });

  it('refuses a name pointing elsewhere, even when one record is right', async () => {
    const error = await refusal(
      checkResolvesToServer(
        'api.acme.test',
        ['203.0.113.10', '2001:db8::10'],
        lookup({ 'api.acme.test': ['203.0.113.10', '2001:db8::99'] }),
      ),
    );
    expect(error.code).toBe('DOMAIN_DNS_MISMATCH');
    expect(error.data.found).toEqual(['203.0.113.10', '2001:db8::99']);
    expect(error.data.records).toContainEqual({
      type: 'AAAA',
      name: 'api.acme.test',
      value: '2001:db8::10',
    });
    expect(error.message).toContain('remove the others');
  });

  it('says so when the lookup itself fails', async () => {
    const failure = Object.assign(new Error('timeout'), { code: 'ETIMEOUT' });
    const error = await refusal(
      checkResolvesToServer(
        'api.acme.test',
        ['203.0.113.10'],
        lookup({ 'api.acme.test': failure }),
      ),
    );
    expect(error.code).toBe('DOMAIN_DNS_MISMATCH');
    expect(error.data.lookupError).toBe('ETIMEOUT');
  });

  it('asks for the server’s address when it knows none', async () => {
    const error = await refusal(checkResolvesToServer('api.acme.test', [], lookup({})));
    expect(error.code).toBe('CONFIG_INVALID');
  });
});

describe('serverAddresses', () => {
  it('prefers the configured addresses, then an address-shaped external host, then its answers', async () => {
    const dns = lookup({ 'vps.acme.test': ['198.51.100.4'] });
    expect(
      await serverAddresses({ configured: ['192.0.2.1'], externalHost: '203.0.113.10' }, dns),
    ).toEqual(['192.0.2.1']);
    expect(await serverAddresses({ externalHost: '203.0.113.10' }, dns)).toEqual(['203.0.113.10']);
    expect(await serverAddresses({ externalHost: '[2001:db8::1]' }, dns)).toEqual(['2001:db8::1']);
    expect(await serverAddresses({ externalHost: 'vps.acme.test' }, dns)).toEqual(['198.51.100.4']);
  });
});
