import { describe, expect, it } from 'vitest';
import { scramClient } from './scram';

// RFC 7677 section 3: user "user", password "pencil".
const NONCE = 'rOprNGfwEbeRWgbNEkqO';
const SERVER_FIRST =
  'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';

describe('scramClient', () => {
  it('computes the RFC 7677 proof and accepts the server signature', async () => {
    const scram = scramClient('pencil', { nonce: NONCE, user: 'user' });
    expect(scram.first).toBe(`n,,n=user,r=${NONCE}`);
    expect(await scram.final(SERVER_FIRST)).toBe(
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,' +
        'p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    );
    expect(() => scram.verify('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')).not.toThrow();
  });

  it('refuses a server that does not know the password', async () => {
    const scram = scramClient('pencil', { nonce: NONCE, user: 'user' });
    await scram.final(SERVER_FIRST);
    expect(() => scram.verify('v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')).toThrow(
      /not match/,
    );
    expect(() => scram.verify('e=invalid-proof')).toThrow(/refused/);
  });

  it('refuses a server nonce that does not extend the client nonce', async () => {
    const scram = scramClient('pencil', { nonce: NONCE });
    await expect(scram.final('r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096')).rejects.toThrow(
      /nonce/,
    );
  });
});
