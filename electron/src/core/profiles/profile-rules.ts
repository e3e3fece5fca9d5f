import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { UltrabaseError } from '@contract/errors';
import type { ServerInput, ServerProfile } from '@contract/api';
import { LOCAL_SERVER_ID } from '../servers/local-link';

export const DEFAULT_AGENT_USERNAME = 'admin';

export function localProfile(): ServerProfile {
  let user = 'user';
  try {
    user = userInfo().username;
  } catch {}
  return {
    id: LOCAL_SERVER_ID,
    name: 'This computer',
    kind: 'local',
    host: 'localhost',
    port: 0,
    username: user,
    auth: 'agent',
    agentUsername: DEFAULT_AGENT_USERNAME,
    createdAt: '1970-01-01T00:00:00.000Z',
  };
}

const HOST_RE = /^[A-Za-z0-9.:_%[\]-]+$/;

/** Builds and checks a profile from what the person typed (secrets are handled elsewhere). */
export function profileFromInput(
  input: ServerInput,
  existing: readonly ServerProfile[],
  now: Date,
): ServerProfile {
  const profile: ServerProfile = {
    id: 'srv-' + randomBytes(5).toString('hex'),
    name: input.name.trim(),
    kind: 'ssh',
    host: input.host.trim(),
    port: input.port ?? 22,
    username: input.username?.trim() || 'root',
    auth: input.auth,
    // A staff member's agent user carries her SSH login's name (staff.add makes both at once).
    agentUsername:
      input.agentUsername?.trim() ||
      (input.access === 'staff' && input.username?.trim()) ||
      DEFAULT_AGENT_USERNAME,
    createdAt: now.toISOString(),
  };
  if (input.keyPath) profile.keyPath = input.keyPath;
  if (input.jumpServerId) profile.jumpServerId = input.jumpServerId;
  if (input.access === 'staff') profile.access = 'staff';
  validateProfile(profile, existing);
  return profile;
}

export function validateProfile(profile: ServerProfile, others: readonly ServerProfile[]): void {
  if (profile.name === '')
    throw new UltrabaseError('INVALID_PARAMS', 'Give the server a name.', { field: 'name' });
  if (
    others.some((p) => p.id !== profile.id && p.name.toLowerCase() === profile.name.toLowerCase())
  ) {
    throw new UltrabaseError('SERVER_EXISTS', `A server named "${profile.name}" already exists.`, {
      field: 'name',
    });
  }
  if (profile.kind === 'ssh' && !HOST_RE.test(profile.host)) {
    throw new UltrabaseError('INVALID_PARAMS', `"${profile.host}" is not a host name or address.`, {
      field: 'host',
    });
  }
  if (!/^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,63}$/.test(profile.username)) {
    throw new UltrabaseError(
      'INVALID_PARAMS',
      `"${profile.username}" is not a valid SSH user name.`,
      { field: 'username' },
    );
  }
  if (profile.auth === 'key' && !profile.keyPath) {
    throw new UltrabaseError(
      'INVALID_PARAMS',
      'Choose the private key file for key authentication.',
      { field: 'keyPath' },
    );
  }
  if (profile.jumpServerId) {
    if (profile.jumpServerId === profile.id || profile.jumpServerId === LOCAL_SERVER_ID) {
      throw new UltrabaseError('INVALID_PARAMS', 'A server cannot be its own jump host.', {
        field: 'jumpServerId',
      });
    }
    if (!others.some((p) => p.id === profile.jumpServerId)) {
      throw new UltrabaseError('SERVER_NOT_FOUND', 'The jump host is not one of your servers.', {
        field: 'jumpServerId',
      });
    }
  }
}
