import { PORT_KINDS, type AgentConfig } from '../config/schema';

/** Ports left in each configured range, given the ports registry entries hold. */
export function portsLeft(config: AgentConfig, held: Set<number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kind of PORT_KINDS) {
    const [lo, hi] = config.portRanges[kind];
    let used = 0;
    for (const port of held) if (port >= lo && port <= hi) used++;
    out[kind] = hi - lo + 1 - used;
  }
  return out;
}
