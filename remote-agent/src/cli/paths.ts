import os from 'node:os';
import path from 'node:path';

export interface DefaultPaths {
  dataDir: string;
  socket: string;
  config: string;
}

/** DESIGN.md section 2: a root install uses the system locations, anyone else their home. */
export function defaultPaths(
  env: NodeJS.ProcessEnv = process.env,
  uid: number = process.getuid?.() ?? -1,
  home: string = os.homedir(),
): DefaultPaths {
  if (uid === 0) {
    return {
      dataDir: '/var/lib/ultrabase',
      socket: '/run/ultrabase/agent.sock',
      config: '/etc/ultrabase/agent.json',
    };
  }
  const runtime = env.XDG_RUNTIME_DIR
    ? path.join(env.XDG_RUNTIME_DIR, 'ultrabase')
    : path.join(home, '.ultrabase', 'run');
  return {
    dataDir: path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'ultrabase'),
    socket: path.join(runtime, 'agent.sock'),
    config: path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'ultrabase', 'agent.json'),
  };
}
