/** One line of `POST /images/create`'s streamed answer. */
export interface PullMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Turns Docker's per-layer pull messages into one percent for the image. Layers are counted by
 * bytes once their size is known; a layer that Docker reports as already present or complete
 * counts as done, so an image made of cached layers reaches 100 without byte counts.
 */
export class PullTracker {
  private readonly layers = new Map<string, { current: number; total: number; done: boolean }>();

  push(msg: PullMessage): void {
    const id = msg.id;
    const status = msg.status ?? '';
    if (!id || !/^[0-9a-f]{6,}$/.test(id)) return; // tag lines ("latest: Pulling from …")
    const layer = this.layers.get(id) ?? { current: 0, total: 0, done: false };
    if (status === 'Downloading' && msg.progressDetail?.total) {
      layer.total = msg.progressDetail.total;
      layer.current = msg.progressDetail.current ?? layer.current;
    } else if (
      /^(Download complete|Pull complete|Already exists|Verifying Checksum)$/.test(status)
    ) {
      layer.done = true;
      layer.current = layer.total;
    }
    this.layers.set(id, layer);
  }

  percent(): number {
    if (this.layers.size === 0) return 0;
    let current = 0;
    let total = 0;
    let unknown = 0;
    let unknownDone = 0;
    for (const layer of this.layers.values()) {
      if (layer.total > 0) {
        current += layer.done ? layer.total : layer.current;
        total += layer.total;
      } else {
        unknown += 1;
        if (layer.done) unknownDone += 1;
      }
    }
    // Layers of unknown size weigh as much as an average known layer.
    const avg = total > 0 ? total / Math.max(1, this.layers.size - unknown) : 1;
    const all = total + unknown * avg;
    const have = current + unknownDone * avg;
    return Math.min(100, Math.floor((have / all) * 100));
  }
}
