import { AgentError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import type { Caller } from '../auth/service';
import { generateCredentials } from '../credentials/generate';
import type { InstanceSecrets } from '../credentials/secrets';
import type { StackChange, StackChangeResult, StackFacts } from '../lifecycle/apply';
import type {
  Instance,
  InstanceSettingsView,
  SecretRotation,
  SettingValue,
  StackChangePlan,
} from '@protocol/types';
import { settingKey } from './keys';
import { effectiveSettings } from './render-env';
import { smtpSettingsOf, type SendMail } from './test-email';
import { parseSetting, type RawSettingValue } from './validate';

export interface SettingsServiceDeps {
  /** The instance if the caller may see it (owners, grantees, admins), else NOT_FOUND. */
  see(caller: Caller, id: string): Instance;
  readSecrets(id: string): Promise<InstanceSecrets>;
  apply(change: StackChange): Promise<StackChangeResult>;
  sendMail: SendMail;
  /** New secret values go to the log guard before anything can print them. */
  onSecrets(values: string[]): void;
  /** The live-stack part of a database password rotation (ALTER ROLE), see db-password.ts. */
  rotateDbPassword?: Pick<StackChange, 'beforeRecreate' | 'undoBeforeRecreate'>;
}

export interface SettingsResult {
  plan: StackChangePlan;
  dryRun: boolean;
  settings: InstanceSettingsView;
}

/**
 * A project's settings as people change them: checked key by key (nothing is written when one
 * is wrong), stored where they belong (plain values in the registry, secret ones in the 0600
 * secrets file) and applied with the smallest restart. Secret rotations go the same way.
 */
export class SettingsService {
  constructor(private readonly deps: SettingsServiceDeps) {}

  async get(caller: Caller, id: string): Promise<InstanceSettingsView> {
    const instance = this.deps.see(caller, id);
    const secrets = await this.deps.readSecrets(id);
    return view(instance, secrets);
  }

  async set(
    caller: Caller,
    id: string,
    changes: Readonly<Record<string, RawSettingValue>>,
    dryRun: boolean,
  ): Promise<SettingsResult> {
    this.deps.see(caller, id);
    const result = await this.change(id, changes, dryRun);
    return {
      plan: result.plan,
      dryRun,
      settings: dryRun
        ? await this.get(caller, id)
        : view(result.instance, await this.deps.readSecrets(id)),
    };
  }

  /**
   * The agent's own change (a restore or a clone putting a backup's settings on a project): the
   * same checks, storage and apply as `set`, without a caller (the job's own caller was checked).
   */
  async applyAsAgent(
    id: string,
    changes: Readonly<Record<string, RawSettingValue>>,
  ): Promise<void> {
    await this.change(id, changes, false);
  }

  private async change(
    id: string,
    changes: Readonly<Record<string, RawSettingValue>>,
    dryRun: boolean,
  ): Promise<StackChangeResult> {
    const parsed = Object.entries(changes).map(([key, raw]) => ({
      key,
      value: parseSetting(key, raw),
      secret: settingKey(key)?.secret === true,
    }));
    const newSecrets = parsed.flatMap((c) =>
      c.secret && typeof c.value === 'string' ? [c.value] : [],
    );
    if (!dryRun) this.deps.onSecrets(newSecrets);
    let changedKeys: string[] = [];
    const result = await this.deps.apply({
      instanceId: id,
      dryRun,
      // Read after `next` ran: only keys whose stored value really changes are reported.
      get keys() {
        return changedKeys;
      },
      next: (facts) => {
        const values = { ...(facts.instance.settings ?? {}) };
        const secretValues = { ...(facts.secrets.settings ?? {}) };
        changedKeys = [];
        for (const { key, value, secret } of parsed) {
          const target = (secret ? secretValues : values) as Record<string, SettingValue>;
          if (JSON.stringify(target[key]) === JSON.stringify(value ?? undefined)) continue;
          changedKeys.push(key);
          if (value === null) delete target[key];
          else target[key] = value;
        }
        return withSettings(facts, values, secretValues);
      },
    });
    return result;
  }

  async rotate(
    caller: Caller,
    id: string,
    which: SecretRotation,
    dryRun: boolean,
  ): Promise<{ plan: StackChangePlan; dryRun: boolean }> {
    this.deps.see(caller, id);
    const fresh = generateCredentials();
    const patch: Partial<Omit<InstanceSecrets, 'settings'>> =
      which === 'jwt'
        ? {
            jwtSecret: fresh.jwtSecret,
            anonKey: fresh.anonKey,
            serviceRoleKey: fresh.serviceRoleKey,
          }
        : which === 'db-password'
          ? { postgresPassword: fresh.postgresPassword }
          : { dashboardPassword: fresh.dashboardPassword };
    if (!dryRun) this.deps.onSecrets(Object.values(patch).filter((v) => v !== undefined));
    const result = await this.deps.apply({
      instanceId: id,
      dryRun,
      keys: [`secrets.${which}`],
      next: (facts) => ({ instance: facts.instance, secrets: { ...facts.secrets, ...patch } }),
      ...(which === 'db-password' ? this.deps.rotateDbPassword : {}),
    });
    return { plan: result.plan, dryRun };
  }

  async testEmail(caller: Caller, id: string, to: string): Promise<{ messageId: string }> {
    const instance = this.deps.see(caller, id);
    const address = checkRecipient(to);
    const secrets = await this.deps.readSecrets(id);
    const smtp = smtpSettingsOf(instance.settings ?? {}, secrets.settings ?? {});
    return { messageId: await this.deps.sendMail(smtp, address, instance.name) };
  }
}

function checkRecipient(to: string): string {
  try {
    return parseSetting('smtp.adminEmail', to) as string;
  } catch {
    throw new AgentError(ErrorCode.INVALID_SETTINGS, `to: "${to}" is not an email address.`, {
      field: 'to',
    });
  }
}

function withSettings(
  facts: StackFacts,
  values: Record<string, SettingValue>,
  secretValues: Record<string, string>,
): StackFacts {
  const instance = { ...facts.instance };
  const secrets = { ...facts.secrets };
  // No settings, no field: an instance nobody configured stays exactly as it was.
  if (Object.keys(values).length > 0) instance.settings = values;
  else delete instance.settings;
  if (Object.keys(secretValues).length > 0) secrets.settings = secretValues;
  else delete secrets.settings;
  return { instance, secrets };
}

function view(instance: Instance, secrets: InstanceSecrets): InstanceSettingsView {
  return {
    values: effectiveSettings(instance.settings ?? {}),
    secretsSet: Object.keys(secrets.settings ?? {}).sort(),
  };
}
