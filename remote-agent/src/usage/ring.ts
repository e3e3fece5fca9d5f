/** What one usage sample of a project holds. */
export const USAGE_METRICS = ['cpuPercent', 'memoryMb', 'netRxKb', 'netTxKb', 'diskMb'] as const;
export type UsageMetric = (typeof USAGE_METRICS)[number];
export type UsageSample = { at: number } & Record<UsageMetric, number>;

/**
 * A bounded history of one project's usage: a fixed number of samples in typed arrays, the
 * oldest overwritten first. 2,016 samples (one every 5 minutes for 7 days) × 5 metrics take
 * 48 KB per project, ~6 MB for 120 projects, whatever the uptime.
 */
export class UsageRing {
  private readonly at: Float64Array;
  private readonly values: Float32Array;
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error('capacity must be ≥ 1');
    this.at = new Float64Array(capacity);
    this.values = new Float32Array(capacity * USAGE_METRICS.length);
  }

  get size(): number {
    return this.count;
  }

  push(sample: UsageSample): void {
    this.at[this.next] = sample.at;
    USAGE_METRICS.forEach((m, i) => {
      this.values[this.next * USAGE_METRICS.length + i] = sample[m];
    });
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** Samples from `since` (ms epoch) on, oldest first. */
  samples(since = 0): UsageSample[] {
    const out: UsageSample[] = [];
    const start = (this.next - this.count + this.capacity) % this.capacity;
    for (let k = 0; k < this.count; k++) {
      const slot = (start + k) % this.capacity;
      if (this.at[slot]! < since) continue;
      const sample = { at: this.at[slot]! } as UsageSample;
      USAGE_METRICS.forEach((m, i) => {
        sample[m] = this.values[slot * USAGE_METRICS.length + i]!;
      });
      out.push(sample);
    }
    return out;
  }

  /** Bytes the buffers hold: bounded by the capacity, not by how long the agent ran. */
  get bytes(): number {
    return this.at.byteLength + this.values.byteLength;
  }
}

/** One ring per project, created on first sample and dropped with the project. */
export class UsageHistory {
  private readonly rings = new Map<string, UsageRing>();

  constructor(private readonly samplesPerProject = 2016) {}

  record(projectId: string, sample: UsageSample): void {
    let ring = this.rings.get(projectId);
    if (!ring) this.rings.set(projectId, (ring = new UsageRing(this.samplesPerProject)));
    ring.push(sample);
  }

  history(projectId: string, since?: number): UsageSample[] {
    return this.rings.get(projectId)?.samples(since) ?? [];
  }

  /** The projects that have a history. */
  projects(): string[] {
    return [...this.rings.keys()];
  }

  forget(projectId: string): void {
    this.rings.delete(projectId);
  }

  get bytes(): number {
    let total = 0;
    for (const ring of this.rings.values()) total += ring.bytes;
    return total;
  }
}
