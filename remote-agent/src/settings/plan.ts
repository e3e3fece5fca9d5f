import type { StackChangePlan } from '@protocol/types';
import type { StackFileOnDisk } from '../stack/files';
import { COMPOSE_FILE, ENV_FILE, type RenderedStack } from '../stack/render';

export interface PlanInput {
  /** The rendering of the facts the running containers were made from. */
  before: RenderedStack;
  /** The rendering of the new facts. */
  after: RenderedStack;
  /** What is on disk now, for every path of `after` (to know which files must be written). */
  onDisk: readonly StackFileOnDisk[];
  keys: readonly string[];
}

/**
 * Which files to write and which services to recreate so the containers match `after`, and no
 * more: a service is recreated when its own compose definition changed, when a `.env` value it
 * refers to changed, or when a file it mounts changed. Everything else keeps its container.
 */
export function planStackChange(input: PlanInput): StackChangePlan {
  const { before, after } = input;
  const disk = new Map(input.onDisk.map((f) => [f.path, f]));
  const files = after.files
    .filter((f) => {
      const found = disk.get(f.path);
      return !found || found.content !== f.content || found.mode !== f.mode;
    })
    .map((f) => f.path);

  const changedEnv = changedEnvNames(fileText(before, ENV_FILE), fileText(after, ENV_FILE));
  const changedMounts = new Set(
    after.files
      .filter((f) => f.path !== COMPOSE_FILE && f.path !== ENV_FILE)
      .filter((f) => fileText(before, f.path) !== f.content)
      .map((f) => f.path),
  );
  const beforeDefs = before.serviceDefinitions ?? {};
  const services = Object.entries(after.serviceDefinitions ?? {})
    .filter(([name, definition]) => {
      if (beforeDefs[name] !== definition) return true;
      if (changedEnv.some((env) => definition.includes(`\${${env}:`))) return true;
      return [...changedMounts].some((path) => definition.includes(`./${path}:`));
    })
    .map(([name]) => name);
  return { keys: [...input.keys], files, services };
}

function fileText(rendered: RenderedStack, path: string): string | undefined {
  return rendered.files.find((f) => f.path === path)?.content;
}

/** Names whose value differs between two `.env` texts (added and removed ones too). */
export function changedEnvNames(before = '', after = ''): string[] {
  const a = parseEnv(before);
  const b = parseEnv(after);
  return [...new Set([...a.keys(), ...b.keys()])].filter((name) => a.get(name) !== b.get(name));
}

function parseEnv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) out.set(match[1]!, match[2]!);
  }
  return out;
}
