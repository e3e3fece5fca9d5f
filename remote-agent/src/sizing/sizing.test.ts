import { describe, expect, it } from 'vitest';
import { generateCredentials } from '../credentials';
import { expectedServicesFor } from '../diagnostics/expected-stack';
import type { Instance, ProjectSize } from '@protocol/types';
import { COMPOSE_FILE, renderStack, type StackInput } from '../stack/render';
import { STACK_SERVICES } from '../stack/services';
import { selectServices } from '../stack/services/selection';
import { checkCapacity, memoryAccount, projectsThatFit } from './capacity';
import { MEMORY_MB, projectMemoryMb, serviceLimits } from './profiles';
import { checkSize } from './validate';

const secrets = generateCredentials();
function input(extra: Partial<StackInput> = {}): StackInput {
  return {
    instanceId: 'abc123def',
    name: 'Client',
    ports: { kongHttp: 8017, kongHttps: 8417, postgres: 5417, poolerTransaction: 6417 },
    exposure: 'private',
    externalHost: null,
    secrets,
    imageOverrides: {},
    ...extra,
  };
}
const file = (i: StackInput, path: string) => renderStack(i).files.find((f) => f.path === path)!;
const DEFAULTS = selectServices(STACK_SERVICES, undefined).map((s) => s.name);

function instance(id: string, size: ProjectSize | undefined, status = 'running'): Instance {
  return {
    id,
    name: id,
    owner: 'root',
    status: status as Instance['status'],
    createdAt: '',
    updatedAt: '',
    exposure: 'private',
    ports: { kongHttp: 1, kongHttps: 2, postgres: 3, poolerTransaction: 4 },
    urls: {} as Instance['urls'],
    project: `ub_${id}`,
    ...(size ? { size } : {}),
  };
}

describe('profiles', () => {
  it('grows with the size for every service, and has a number for each', () => {
    for (const service of STACK_SERVICES.map((s) => s.name)) {
      const m = MEMORY_MB[service];
      expect(m.small).toBeLessThanOrEqual(m.medium);
      expect(m.medium).toBeLessThanOrEqual(m.large);
    }
    expect(projectMemoryMb({ profile: 'small' }, DEFAULTS)).toBe(1504);
    expect(projectMemoryMb({ profile: 'medium' }, DEFAULTS)).toBe(3008);
    expect(projectMemoryMb({ profile: 'large' }, DEFAULTS)).toBe(5888);
  });

  it('splits a custom size over the services the project runs, medium-weighted', () => {
    const size: ProjectSize = { profile: 'custom', memoryMb: 6016, cpus: 1.5 };
    expect(serviceLimits(size, 'db', DEFAULTS)).toEqual({ memoryMb: 2048, cpus: 1.5 });
    expect(projectMemoryMb(size, DEFAULTS)).toBeLessThanOrEqual(6016);
  });

  it('refuses custom sizes without sane numbers, and numbers on a fixed size', () => {
    expect(() => checkSize({ profile: 'custom', cpus: 1 })).toThrow(/memoryMb/);
    expect(() => checkSize({ profile: 'custom', memoryMb: 100, cpus: 1 })).toThrow(/memoryMb/);
    expect(() => checkSize({ profile: 'custom', memoryMb: 2048, cpus: 0 })).toThrow(/cpus/);
    expect(() => checkSize({ profile: 'small', memoryMb: 2048 })).toThrow(/Only a custom/);
    expect(checkSize({ profile: 'custom', memoryMb: 2048, cpus: 1.234 })).toEqual({
      profile: 'custom',
      memoryMb: 2048,
      cpus: 1.23,
    });
  });
});

describe('compose limits', () => {
  it('puts a memory and CPU limit on every service of a sized project', () => {
    const text = file(input({ size: { profile: 'small' } }), COMPOSE_FILE).content;
    const services = DEFAULTS.length;
    expect(text.match(/^ {4}mem_limit: /gm)).toHaveLength(services);
    expect(text.match(/^ {4}memswap_limit: /gm)).toHaveLength(services);
    expect(text.match(/^ {4}cpus: /gm)).toHaveLength(services);
    expect(text).toMatch(/\n {2}db:\n(?: {4}.*\n)*? {4}mem_limit: "256m"\n/);
  });

  it('renders a project from before sizes byte-identical (no limits)', () => {
    expect(file(input(), COMPOSE_FILE).content).not.toMatch(/mem_limit/);
  });
});

describe('capacity accounting', () => {
  const facts = (instances: Instance[]) => ({ instances, memoryTotalMb: 4000, overcommit: 1.5 });

  it('counts running projects by their limits, older ones as medium, dry runs not at all', () => {
    const account = memoryAccount(
      facts([
        instance('a', { profile: 'small' }),
        instance('b', undefined),
        instance('c', { profile: 'large' }, 'created'),
        instance('d', { profile: 'large' }, 'failed'),
      ]),
    );
    expect(account).toMatchObject({ memoryAllowedMb: 6000, memoryCommittedMb: 1504 + 3008 });
    expect(account.memoryFreeMb).toBe(1488);
    expect(projectsThatFit(account, DEFAULTS)).toEqual({ small: 0, medium: 0, large: 0 });
    expect(projectsThatFit({ ...account, memoryFreeMb: 9100 }, DEFAULTS)).toEqual({
      small: 6,
      medium: 3,
      large: 1,
    });
  });

  it('refuses with INSUFFICIENT_RESOURCES and the numbers', () => {
    const full = facts([instance('a', { profile: 'medium' })]);
    expect(() => checkCapacity(full, { profile: 'medium' }, DEFAULTS)).toThrow(
      expect.objectContaining({
        code: 'INSUFFICIENT_RESOURCES',
        data: expect.objectContaining({
          memoryRequestedMb: 3008,
          memoryCommittedMb: 3008,
          memoryAllowedMb: 6000,
          memoryFreeMb: 2992,
          memoryTotalMb: 4000,
          overcommit: 1.5,
        }),
      }),
    );
    // Fewer services make it fit; the project being resized does not count against itself.
    const lean = DEFAULTS.filter((s) => s !== 'functions' && s !== 'studio');
    expect(() => checkCapacity(full, { profile: 'medium' }, lean)).not.toThrow();
    expect(() => checkCapacity(full, { profile: 'large' }, DEFAULTS, 'a')).not.toThrow();
  });
});

describe('optional services', () => {
  const off = { functions: false, imgproxy: false };

  it('leaves turned-off services out of compose, their Kong routes and dependencies', () => {
    const i = input({ optionalServices: off });
    const compose = file(i, COMPOSE_FILE).content;
    expect(compose).not.toMatch(/^ {2}functions:/m);
    expect(compose).not.toMatch(/^ {2}imgproxy:/m);
    expect(compose).not.toMatch(/imgproxy:\n\s+condition/);
    expect(compose).toMatch(/ENABLE_IMAGE_TRANSFORMATION: "false"/);
    expect(compose).not.toMatch(/IMGPROXY_URL/);
    const kong = file(i, 'volumes/api/kong.yml').content;
    expect(kong).not.toMatch(/functions/);
    expect(kong).toMatch(/storage-v1/);
  });

  it('turns the logs pair on with analytics and vector', () => {
    const compose = file(input({ optionalServices: { logs: true } }), COMPOSE_FILE).content;
    expect(compose).toMatch(/^ {2}analytics:/m);
    expect(compose).toMatch(/^ {2}vector:/m);
  });

  it('diagnostics and repair expect only what the instance runs', () => {
    const base = instance('a', undefined);
    expect(expectedServicesFor(base)).toEqual(DEFAULTS);
    const lean = expectedServicesFor({ ...base, optionalServices: { ...off, studio: false } });
    expect(lean).not.toContain('functions');
    expect(lean).not.toContain('imgproxy');
    expect(lean).not.toContain('studio');
    expect(lean).toContain('storage');
  });
});
