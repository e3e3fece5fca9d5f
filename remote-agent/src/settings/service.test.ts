import { describe, expect, it } from 'vitest';
import { AUDITED } from '../api/audit-policy';
import type { Caller } from '../auth/service';
import { generateCredentials } from '../credentials/generate';
import type { InstanceSecrets } from '../credentials/secrets';
import { canSee, notFound } from '../instances/permissions';
import type { StackChange, StackFacts } from '../lifecycle/apply';
import { ErrorCode } from '@protocol/error-codes';
import type { Instance } from '@protocol/types';
import { SettingsService } from './service';

const owner: Caller = { username: 'ana', role: 'user', grants: [], tokenHash: 'x' } as Caller;
const stranger: Caller = { username: 'bob', role: 'user', grants: [], tokenHash: 'y' } as Caller;

function setup() {
  let facts: StackFacts = {
    instance: { id: 'abc123def', name: 'shop', owner: 'ana' } as Instance,
    secrets: generateCredentials(),
  };
  const applied: StackChange[] = [];
  const redacted: string[] = [];
  const mails: { host: string; to: string; password: string }[] = [];
  const service = new SettingsService({
    see: (caller, id) => {
      if (!canSee(caller, facts.instance)) throw notFound(id);
      return facts.instance;
    },
    readSecrets: () => Promise.resolve(facts.secrets),
    apply: async (change) => {
      applied.push(change);
      const next = await change.next(structuredClone(facts));
      if (!change.dryRun) facts = next;
      return {
        plan: { keys: change.keys, files: [], services: [] },
        dryRun: change.dryRun,
        instance: next.instance,
      };
    },
    sendMail: (smtp, to) => {
      mails.push({ host: smtp.host, to, password: smtp.password });
      return Promise.resolve('<id@x>');
    },
    onSecrets: (values) => redacted.push(...values),
  });
  return { service, applied, redacted, mails, facts: () => facts };
}

describe('the settings service', () => {
  it('stores plain values in the registry entry and secrets in the secrets file', async () => {
    const t = setup();
    const result = await t.service.set(
      owner,
      'abc123def',
      {
        'auth.siteUrl': 'https://app.example.com',
        'smtp.port': '587',
        'smtp.password': 'hunter2!',
      },
      false,
    );
    expect(t.facts().instance.settings).toEqual({
      'auth.siteUrl': 'https://app.example.com',
      'smtp.port': 587,
    });
    expect(t.facts().secrets.settings).toEqual({ 'smtp.password': 'hunter2!' });
    expect(JSON.stringify(t.facts().instance)).not.toContain('hunter2!');
    expect(result.plan.keys.sort()).toEqual(['auth.siteUrl', 'smtp.password', 'smtp.port']);
    expect(result.settings.secretsSet).toEqual(['smtp.password']);
    expect(JSON.stringify(result)).not.toContain('hunter2!');
    expect(t.redacted).toEqual(['hunter2!']);
  });

  it('reports only keys whose value changes, and null resets to the default', async () => {
    const t = setup();
    await t.service.set(owner, 'abc123def', { 'auth.siteUrl': 'https://a.example.com' }, false);
    const same = await t.service.set(
      owner,
      'abc123def',
      { 'auth.siteUrl': 'https://a.example.com' },
      false,
    );
    expect(same.plan.keys).toEqual([]);
    await t.service.set(owner, 'abc123def', { 'auth.siteUrl': null }, false);
    expect(t.facts().instance.settings).toBeUndefined();
  });

  it('changes nothing when one change of many is invalid or managed', async () => {
    const t = setup();
    for (const [changes, code] of [
      [
        { 'auth.siteUrl': 'https://ok.example.com', 'smtp.port': 'abc' },
        ErrorCode.INVALID_SETTINGS,
      ],
      [
        { 'auth.siteUrl': 'https://ok.example.com', 'env.auth.GOTRUE_JWT_SECRET': 'x' },
        ErrorCode.MANAGED_SETTING,
      ],
    ] as const) {
      await expect(t.service.set(owner, 'abc123def', changes, false)).rejects.toMatchObject({
        code,
      });
    }
    expect(t.applied).toEqual([]);
    expect(t.facts().instance.settings).toBeUndefined();
  });

  it('applies a restore’s settings as the agent: same checks and storage, no caller', async () => {
    const t = setup();
    await t.service.applyAsAgent('abc123def', {
      'smtp.host': 'smtp.example.com',
      'smtp.port': 587,
    });
    expect(t.facts().instance.settings).toEqual({
      'smtp.host': 'smtp.example.com',
      'smtp.port': 587,
    });
    expect(t.applied.map((c) => [c.dryRun, [...c.keys].sort()])).toEqual([
      [false, ['smtp.host', 'smtp.port']],
    ]);
    await expect(t.service.applyAsAgent('abc123def', { 'smtp.port': 'abc' })).rejects.toMatchObject(
      { code: ErrorCode.INVALID_SETTINGS },
    );
    expect(t.applied).toHaveLength(1);
  });

  it('hides projects the caller may not see', async () => {
    const t = setup();
    await expect(t.service.get(stranger, 'abc123def')).rejects.toMatchObject({
      code: ErrorCode.NOT_FOUND,
    });
    await expect(
      t.service.set(stranger, 'abc123def', { 'auth.siteUrl': 'https://x.example.com' }, false),
    ).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
  });

  it('rotates the JWT secret with keys signed by it, and registers the new values as secrets', async () => {
    const t = setup();
    const old: InstanceSecrets = t.facts().secrets;
    await t.service.rotate(owner, 'abc123def', 'jwt', false);
    const now = t.facts().secrets;
    expect(now.jwtSecret).not.toBe(old.jwtSecret);
    expect(now.anonKey).not.toBe(old.anonKey);
    expect(now.postgresPassword).toBe(old.postgresPassword);
    expect(t.redacted).toEqual(
      expect.arrayContaining([now.jwtSecret, now.anonKey, now.serviceRoleKey]),
    );
    expect(t.applied[0]?.keys).toEqual(['secrets.jwt']);
  });

  it('sends the test email with the stored SMTP settings', async () => {
    const t = setup();
    await t.service.set(
      owner,
      'abc123def',
      { 'smtp.host': 'mail.example.com', 'smtp.password': 'pw' },
      false,
    );
    await t.service.testEmail(owner, 'abc123def', 'ops@example.com');
    expect(t.mails).toEqual([{ host: 'mail.example.com', to: 'ops@example.com', password: 'pw' }]);
    await expect(t.service.testEmail(owner, 'abc123def', 'nope')).rejects.toMatchObject({
      code: ErrorCode.INVALID_SETTINGS,
      data: { field: 'to' },
    });
  });

  it('audits the keys that changed, never their values', () => {
    const detail = AUDITED['instances.settings.set']?.detail?.({
      id: 'abc123def',
      changes: { 'smtp.password': 'hunter2!', 'auth.siteUrl': 'https://x.example.com' },
    });
    expect(detail).toEqual({ keys: ['auth.siteUrl', 'smtp.password'], dryRun: false });
    expect(JSON.stringify(detail)).not.toContain('hunter2!');
  });
});
