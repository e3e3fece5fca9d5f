import { promises as fs } from 'node:fs';
import { AuthService } from '../auth/service';
import { loadConfig } from '../config/load';
import { asCodedError } from '../agent-error';
import { PROTOCOL_VERSION } from '@protocol/rpc';
import { createAgent } from '../server';
import { AuditLog } from '../state/audit-log';
import { lockDataDir } from '../state/lock';
import { StateStore } from '../state/store';
import { dialSocket } from '../transport/dial';
import { resolveSocketGroup } from '../transport/socket-group';
import { listenOnUnixSocket } from '../transport/unix-socket';
import { AGENT_VERSION } from '../version';
import { parseCommand, USAGE, UsageError, type Command } from './args';
import { defaultPaths } from './paths';

/** Exit codes (sysexits.h where one fits), so a supervisor or the bootstrap can branch. */
export const Exit = { OK: 0, ERROR: 1, USAGE: 64, UNAVAILABLE: 69, TEMPFAIL: 75, CONFIG: 78 };

export interface CliIo {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream & import('node:stream').Readable;
  stdout: NodeJS.WritableStream & import('node:stream').Writable;
  stderr: NodeJS.WritableStream;
}

/** Runs one command; resolves with the exit code (a daemon resolves when it stops). */
export async function runCli(io: CliIo): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(io.argv);
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return error instanceof UsageError ? Exit.USAGE : Exit.ERROR;
  }
  try {
    switch (command.kind) {
      case 'help':
        io.stdout.write(USAGE);
        return Exit.OK;
      case 'version':
        io.stdout.write(
          JSON.stringify({ version: AGENT_VERSION, protocol: PROTOCOL_VERSION }) + '\n',
        );
        return Exit.OK;
      case 'dial':
        await dialSocket(command.socket ?? defaultPaths(io.env).socket, io.stdin, io.stdout, {
          ...(command.as !== undefined ? { as: command.as } : {}),
        });
        return Exit.OK;
      case 'admin-create':
        return await adminCreate(io, command);
      case 'serve':
        return await serve(io, command);
    }
  } catch (error) {
    const coded = asCodedError(error);
    if (!coded) {
      io.stderr.write(`agent: unexpected failure: ${(error as Error).stack ?? String(error)}\n`);
      return Exit.ERROR;
    }
    io.stderr.write(`agent: ${coded.code}: ${coded.message}\n`);
    if (coded.code === 'CONFIG_INVALID') return Exit.CONFIG;
    if (coded.code === 'DATA_DIR_LOCKED') return Exit.TEMPFAIL;
    return command.kind === 'dial' ? Exit.UNAVAILABLE : Exit.ERROR;
  }
}

async function serve(io: CliIo, command: Extract<Command, { kind: 'serve' }>): Promise<number> {
  const defaults = defaultPaths(io.env);
  const config = loadConfig(command.config ?? defaults.config, io.env, {
    required: command.config !== undefined,
  });
  const dataDir = command.dataDir ?? defaults.dataDir;
  const agent = await createAgent({
    dataDir,
    config,
    env: io.env,
    ...(command.stdio ? {} : { socketPath: command.socket ?? defaults.socket }),
  });

  if (command.stdio) {
    const connection = agent.connect(io.stdin, io.stdout);
    const stop = () => connection.close();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    await connection.closed;
    await agent.close();
    return Exit.OK;
  }

  const socketPath = command.socket ?? defaults.socket;
  let server;
  try {
    const gid = resolveSocketGroup(config.socketGroup, { isRoot: process.getuid?.() === 0 });
    server = await listenOnUnixSocket(
      socketPath,
      (socket) => {
        socket.on('error', () => undefined);
        agent.connect(socket, socket);
      },
      gid === undefined ? {} : { gid },
    );
  } catch (error) {
    await agent.close();
    throw error;
  }
  if (command.pidFile) await fs.writeFile(command.pidFile, `${process.pid}\n`, { mode: 0o644 });
  agent.logger.info('listening', { socket: socketPath });
  io.stdout.write(JSON.stringify({ ready: true, socket: socketPath, pid: process.pid }) + '\n');

  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await server.close();
  await agent.close();
  if (command.pidFile) await fs.rm(command.pidFile, { force: true });
  return Exit.OK;
}

/**
 * Works on the data directory directly, so it needs the agent stopped (the bootstrap creates
 * the first admin before it starts the service); with the agent running, admins add users
 * through `users.create` instead.
 */
async function adminCreate(
  io: CliIo,
  command: Extract<Command, { kind: 'admin-create' }>,
): Promise<number> {
  const dataDir = command.dataDir ?? defaultPaths(io.env).dataDir;
  const password = stripFinalNewline(await readAll(io.stdin));
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const lock = await lockDataDir(dataDir);
  try {
    const store = await StateStore.open(dataDir);
    const audit = await AuditLog.open(dataDir, () => new Date());
    const auth = new AuthService({ store, now: () => new Date() });
    try {
      const user = await auth.createAdmin(command.username, password, command.force);
      await audit.append({
        actor: 'cli',
        action: 'admin.create',
        target: user.username,
        result: 'ok',
        detail: { force: command.force },
      });
      io.stdout.write(JSON.stringify({ user }) + '\n');
      return Exit.OK;
    } catch (error) {
      await audit.append({
        actor: 'cli',
        action: 'admin.create',
        target: command.username,
        result: 'error',
        code: asCodedError(error)?.code ?? 'INTERNAL',
      });
      throw error;
    }
  } finally {
    lock.release();
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function stripFinalNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}
