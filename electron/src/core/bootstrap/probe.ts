/**
 * The one command the desktop runs before anything else on a server. Plain POSIX sh (the VPS
 * may have nothing else), printing `key=value` lines between two markers so that login banners,
 * motd or shell rc noise around it cannot be mistaken for facts.
 */
export const PROBE_BEGIN = '<<<ULTRABASE-PROBE-1';
export const PROBE_END = 'ULTRABASE-PROBE-END>>>';

/** Run as `sh -c PROBE_SCRIPT probe '<version> <sha256>'` (the agent the app carries). */
export const PROBE_SCRIPT = `
echo '${PROBE_BEGIN}'
exit_early=
uid=$(id -u)
echo "uid=$uid"
echo "user=$(id -un 2>/dev/null)"
echo "home=$HOME"
if [ "$uid" = 0 ]; then base=/opt/ultrabase; data=/var/lib/ultrabase; run=/run/ultrabase
else base="$HOME/.ultrabase"; data="$HOME/.local/share/ultrabase"; run="$HOME/.ultrabase/run"; fi
echo "base=$base"; echo "data=$data"; echo "run=$run"
if [ -r /etc/os-release ]; then . /etc/os-release; echo "os_id=$ID"; echo "os_version=$VERSION_ID"; fi
echo "kernel=$(uname -s)"
echo "arch=$(uname -m)"
if [ "$uid" != 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then echo sudo=yes; else echo sudo=no; fi
if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]; then echo systemd=yes; else echo systemd=no; fi
# Without a systemd unit (no systemd, or not root) cron starts the agent at boot: is our line there?
if { [ "$uid" != 0 ] || [ "$(cat /proc/1/comm 2>/dev/null)" != systemd ]; } && command -v crontab >/dev/null 2>&1; then
  if crontab -l 2>/dev/null | grep -qF '# ultrabase-agent'; then echo boot_entry=yes; else echo boot_entry=no; fi
fi
installed=""; [ -r "$base/agent/current" ] && installed=$(head -c 300 "$base/agent/current" | tr '\\n' ' ')
[ -n "$installed" ] && echo "installed=$installed"
running=no; [ -r "$run/agent.pid" ] && kill -0 "$(cat "$run/agent.pid")" 2>/dev/null && running=yes
echo "agent_running=$running"
if [ -S "$run/agent.sock" ]; then echo agent_socket=yes; else echo agent_socket=no; fi
# The expected agent already runs: Node, Docker and compose were checked when it was installed,
# and starting them costs (docker-compose v1 alone takes seconds), so a routine connect skips them.
case "$installed" in "$1 "*) if [ "$running" = yes ]; then echo current=yes; exit_early=1; fi ;; esac
if [ -z "$exit_early" ]; then
  n=$(command -v node 2>/dev/null) && echo "node_path=$n" && echo "node_version=$("$n" -v 2>/dev/null)"
  if [ -x "$base/runtime/node" ]; then echo "runtime_version=$("$base/runtime/node" -v 2>/dev/null)"; fi
  if command -v docker >/dev/null 2>&1; then
    echo docker_cli=yes
    if v=$(docker version --format '{{.Server.Version}}' 2>&1); then echo "docker_version=$v"
    else echo "docker_error=$(printf %s "$v" | head -c 300 | tr '\\n' ' ')"; fi
    c=$(docker compose version --short 2>/dev/null) && echo "compose_version=$c" || { c=$(docker-compose version --short 2>/dev/null) && echo "compose_version=$c"; }
  fi
fi
echo '${PROBE_END}'
`;

export interface ProbeResult {
  uid: number;
  user: string;
  home: string;
  base: string;
  dataDir: string;
  runDir: string;
  osId?: string;
  osVersion?: string;
  kernel: string;
  arch: string;
  sudo: boolean;
  systemd: boolean;
  /** Whether the user's crontab holds the agent's @reboot line (boot-entry.ts); undefined: not asked. */
  bootEntry?: boolean;
  nodePath?: string;
  nodeVersion?: string;
  runtimeVersion?: string;
  dockerCli: boolean;
  dockerVersion?: string;
  dockerError?: string;
  composeVersion?: string;
  /**
   * `<version> <sha256> <node path> [<launch revision>]` of the installed agent, if any; the
   * launch revision (launch.ts) is missing on agents installed before it was recorded.
   */
  installed?: { version: string; sha256: string; node: string; launch?: string };
  agentRunning: boolean;
  agentSocket: boolean;
  /** The expected agent (version and checksum given to the probe) is installed and running. */
  current: boolean;
}

/** Parses the framed output; throws when the frame is missing (the shell is not POSIX-like). */
export function parseProbe(output: string): ProbeResult {
  const begin = output.indexOf(PROBE_BEGIN);
  const end = output.indexOf(PROBE_END, begin);
  if (begin === -1 || end === -1) throw new Error('probe output has no frame');
  const values = new Map<string, string>();
  for (const line of output.slice(begin + PROBE_BEGIN.length, end).split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    if (!values.has(key)) values.set(key, line.slice(eq + 1).trim());
  }
  const get = (k: string) => {
    const v = values.get(k);
    return v === undefined || v === '' ? undefined : v;
  };
  const result: ProbeResult = {
    uid: Number(get('uid') ?? NaN),
    user: get('user') ?? '',
    home: get('home') ?? '',
    base: get('base') ?? '',
    dataDir: get('data') ?? '',
    runDir: get('run') ?? '',
    kernel: get('kernel') ?? '',
    arch: get('arch') ?? '',
    sudo: get('sudo') === 'yes',
    systemd: get('systemd') === 'yes',
    dockerCli: get('docker_cli') === 'yes',
    agentRunning: get('agent_running') === 'yes',
    agentSocket: get('agent_socket') === 'yes',
    current: get('current') === 'yes',
  };
  const optional: Array<[keyof ProbeResult, string]> = [
    ['osId', 'os_id'],
    ['osVersion', 'os_version'],
    ['nodePath', 'node_path'],
    ['nodeVersion', 'node_version'],
    ['runtimeVersion', 'runtime_version'],
    ['dockerVersion', 'docker_version'],
    ['dockerError', 'docker_error'],
    ['composeVersion', 'compose_version'],
  ];
  for (const [field, key] of optional) {
    const v = get(key);
    if (v !== undefined) (result as unknown as Record<string, unknown>)[field] = v;
  }
  const bootEntry = get('boot_entry');
  if (bootEntry !== undefined) result.bootEntry = bootEntry === 'yes';
  const installed = get('installed')?.split(/\s+/);
  if (installed && installed.length >= 3 && installed[0] && installed[1] && installed[2]) {
    result.installed = { version: installed[0], sha256: installed[1], node: installed[2] };
    if (installed[3]) result.installed.launch = installed[3];
  }
  return result;
}

/** Major version of a `v20.11.1`-style string, or 0. */
export function nodeMajor(version: string | undefined): number {
  const m = /^v?(\d+)\./.exec(version ?? '');
  return m ? Number(m[1]) : 0;
}
