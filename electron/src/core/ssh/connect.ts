import { Client, utils, type ConnectConfig } from 'ssh2';
import type { Duplex } from 'node:stream';
import { UltrabaseError } from '@contract/errors';
import type { HostKeyInfo } from '@contract/api';
import { decideHostKey, type HostKeyDecision, type HostKeyPolicy } from './host-verifier';
import { toSshError } from './ssh-errors';

export type SshCredentials =
  | { kind: 'agent'; agentSocket: string | undefined }
  | { kind: 'key'; privateKey: Buffer; passphrase?: string }
  | { kind: 'password'; password: string };

export interface SshTarget {
  host: string;
  port: number;
  username: string;
  credentials: SshCredentials;
  policy: Omit<HostKeyPolicy, 'host' | 'port'>;
  /** A channel through a jump host, instead of a TCP connection. */
  sock?: Duplex;
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
}

export const KEEPALIVE_INTERVAL_MS = 10_000;
export const KEEPALIVE_COUNT_MAX = 3;

/** Checks an encrypted key's passphrase before connecting, so a wrong one has its own code. */
export function checkPrivateKey(
  key: Buffer,
  passphrase: string | undefined,
  keyPath: string,
): void {
  const parsed = utils.parseKey(key, passphrase);
  if (!(parsed instanceof Error)) return;
  const msg = parsed.message;
  if (/encrypted/i.test(msg) && /no passphrase/i.test(msg)) {
    throw new UltrabaseError(
      'SECRET_MISSING',
      `The key ${keyPath} is encrypted: enter its passphrase.`,
      {
        secret: 'keyPassphrase',
      },
    );
  }
  if (/bad passphrase|decrypt|integrity/i.test(msg)) {
    throw new UltrabaseError(
      'KEY_PASSPHRASE_WRONG',
      `The passphrase for the key ${keyPath} is wrong.`,
      {
        keyPath,
      },
    );
  }
  throw new UltrabaseError(
    'KEY_FILE_UNREADABLE',
    `The key ${keyPath} is not a private key ssh can use (${msg}).`,
    {
      keyPath,
    },
  );
}

function hostKeyError(decision: HostKeyDecision): UltrabaseError {
  switch (decision.kind) {
    case 'unknown':
      return new UltrabaseError(
        'HOST_KEY_UNKNOWN',
        `The server ${decision.info.host}:${decision.info.port} is not known yet. Compare its key fingerprint ` +
          `${decision.info.fingerprint} (${decision.info.algorithm}) with the one your provider shows, then trust it.`,
        { ...decision.info },
      );
    case 'changed':
      return new UltrabaseError(
        'HOST_KEY_CHANGED',
        `The key of ${decision.info.host}:${decision.info.port} changed: it was ${decision.expected}, now it is ` +
          `${decision.info.fingerprint}. Someone may be intercepting the connection; if the server was ` +
          'reinstalled, remove the server and add it again.',
        {
          ...decision.info,
          expected: decision.expected,
          actual: decision.info.fingerprint,
          source: decision.source,
        },
      );
    case 'revoked':
      return new UltrabaseError(
        'HOST_KEY_CHANGED',
        `The key ${decision.info.fingerprint} of ${decision.info.host} is marked revoked in known_hosts.`,
        { ...decision.info, expected: 'revoked', actual: decision.info.fingerprint },
      );
    default:
      return new UltrabaseError('INTERNAL', 'Host key accepted but connection failed.');
  }
}

/**
 * The auth methods to offer, in order, for these credentials. ssh2 would first send a `none`
 * request to learn the server's methods; OpenSSH's sshd answers a failed attempt only after a
 * deliberate 5–9 ms delay (its timing-attack guard), a cost on every connect that tells us
 * nothing: we know which method we hold.
 */
export function authMethods(
  credentials: SshCredentials,
): Array<'agent' | 'publickey' | 'password' | 'keyboard-interactive'> {
  switch (credentials.kind) {
    case 'agent':
      return ['agent'];
    case 'key':
      return ['publickey'];
    case 'password':
      // Password auth may arrive as keyboard-interactive on servers that disable plain password.
      return ['password', 'keyboard-interactive'];
  }
}

export function connectConfig(target: SshTarget, onKey: (key: Buffer) => boolean): ConnectConfig {
  const cfg: ConnectConfig = {
    host: target.host,
    port: target.port,
    username: target.username,
    readyTimeout: target.readyTimeoutMs ?? 20_000,
    keepaliveInterval: target.keepaliveIntervalMs ?? KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: KEEPALIVE_COUNT_MAX,
    hostVerifier: onKey,
    tryKeyboard: target.credentials.kind === 'password',
    authHandler: authMethods(target.credentials),
  };
  if (target.sock) cfg.sock = target.sock;
  const c = target.credentials;
  if (c.kind === 'agent') {
    if (!c.agentSocket) {
      throw new UltrabaseError(
        'SSH_AUTH_FAILED',
        'No SSH agent is running (SSH_AUTH_SOCK is not set). Start one or use a key file.',
      );
    }
    cfg.agent = c.agentSocket;
  } else if (c.kind === 'key') {
    cfg.privateKey = c.privateKey;
    if (c.passphrase !== undefined) cfg.passphrase = c.passphrase;
  } else {
    cfg.password = c.password;
  }
  return cfg;
}

/** Opens an authenticated SSH connection whose host key passed our verification. */
export function connectSsh(target: SshTarget): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let refused: HostKeyDecision | undefined;
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      if (err === undefined) return resolve(client);
      client.end();
      reject(refused ? hostKeyError(refused) : toSshError(err, target));
    };
    const onKey = (key: Buffer) => {
      const decision = decideHostKey(
        { ...target.policy, host: target.host, port: target.port },
        key,
      );
      if (decision.kind === 'accept') return true;
      refused = decision;
      return false;
    };
    if (target.credentials.kind === 'password') {
      const password = target.credentials.password;
      client.on('keyboard-interactive', (_name, _instr, _lang, prompts, answer) => {
        answer(prompts.map(() => password));
      });
    }
    client.once('ready', () => finish());
    client.once('error', (err) => finish(err));
    client.once('close', () => finish(new Error('connection closed during handshake')));
    try {
      client.connect(connectConfig(target, onKey));
      noDelayFromTheStart(client);
    } catch (err) {
      finish(err);
    }
  });
}

/**
 * ssh2 leaves Nagle's algorithm on. A small packet written while an earlier one is unacked then
 * waits for the server's delayed ACK (~40 ms on Linux): every JSON-RPC request used to (ping
 * p50 44.8 ms, docs/benchmarks.md), and so did each step of the login — the service request
 * and each auth message waited 40–50 ms, 180 ms of a 215 ms handshake. ssh2 creates its socket
 * inside `connect()`, and Node keeps a no-delay set before the TCP connection exists, so this
 * runs right after `connect()`. A jump host's channel has no Nagle to turn off.
 */
function noDelayFromTheStart(client: Client): void {
  client.setNoDelay(true);
}

/**
 * Learns the key a server presents without logging in: the handshake stops at host-key
 * verification. Used to check a fingerprint the person confirmed really is this server's.
 */
export function presentedHostKey(
  target: Pick<SshTarget, 'host' | 'port' | 'sock' | 'readyTimeoutMs'>,
): Promise<HostKeyInfo> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let info: HostKeyInfo | undefined;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      client.end();
      if (info) resolve(info);
    };
    client.on('error', (err) => {
      if (info) return finish();
      done = true;
      reject(toSshError(err, target));
    });
    client.on('close', finish);
    const cfg: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: 'ultrabase-hostkey-probe',
      readyTimeout: target.readyTimeoutMs ?? 20_000,
      hostVerifier: (key: Buffer) => {
        const decision = decideHostKey(
          { host: target.host, port: target.port, knownHosts: [] },
          key,
        );
        if (decision.kind === 'unknown') info = decision.info;
        return false;
      },
    };
    if (target.sock) cfg.sock = target.sock;
    client.connect(cfg);
    noDelayFromTheStart(client);
  });
}
