/**
 * The load bar is full at one runnable task per core: a load of 7.88 on 2 cores is almost 4×
 * overloaded and must read as such. (It was scaled to the agent's admission limit, which the
 * rig sets to 1000 per core, so an overloaded host showed an empty bar.)
 */
export function loadMeter(load1: number, cpus: number): { used: number; total: number } {
  return { used: Math.max(0, load1), total: Math.max(1, cpus) };
}
