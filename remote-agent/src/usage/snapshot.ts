import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@common/atomic-write';
import { USAGE_METRICS, UsageHistory, type UsageSample } from './ring';

/**
 * The usage history on disk, so an agent upgrade or a reboot does not wipe a week of it (Docker
 * keeps no history to rebuild from). Binary, not JSON: a full week of 120 projects is ~7 MB as
 * numbers and would be ~15 MB of JSON to write and a large parse at start-up; here each sample is
 * 28 bytes read straight back into the rings. Written hourly and on a clean stop (not on every
 * sample: the disk is shared with the control plane's fsyncs), so a crash loses at most an hour.
 * Layout: "UBU1", then per project: u16 id length, id (utf8), u32 count, count × (f64 at, 5 × f32).
 */
const MAGIC = 'UBU1';
const SAMPLE_BYTES = 8 + 4 * USAGE_METRICS.length;

export function encodeHistory(history: UsageHistory): Buffer {
  const parts: Buffer[] = [Buffer.from(MAGIC)];
  for (const id of history.projects()) {
    const samples = history.history(id);
    const name = Buffer.from(id, 'utf8');
    const head = Buffer.alloc(2 + name.length + 4);
    head.writeUInt16LE(name.length, 0);
    name.copy(head, 2);
    head.writeUInt32LE(samples.length, 2 + name.length);
    const body = Buffer.alloc(samples.length * SAMPLE_BYTES);
    samples.forEach((s, k) => {
      const o = k * SAMPLE_BYTES;
      body.writeDoubleLE(s.at, o);
      USAGE_METRICS.forEach((m, i) => body.writeFloatLE(s[m], o + 8 + 4 * i));
    });
    parts.push(head, body);
  }
  return Buffer.concat(parts);
}

/** Reads a snapshot into `history`; a damaged or foreign file throws and adds nothing. */
export function decodeInto(buf: Buffer, history: UsageHistory): void {
  if (buf.subarray(0, 4).toString('latin1') !== MAGIC) throw new Error('not a usage snapshot');
  const projects: { id: string; at: number; count: number }[] = [];
  let o = 4;
  // Checked whole before anything is recorded, so a truncated file leaves the history empty.
  while (o < buf.length) {
    if (o + 2 > buf.length) throw new Error('truncated usage snapshot');
    const len = buf.readUInt16LE(o);
    if (o + 2 + len + 4 > buf.length) throw new Error('truncated usage snapshot');
    const id = buf.toString('utf8', o + 2, o + 2 + len);
    const count = buf.readUInt32LE(o + 2 + len);
    const at = o + 2 + len + 4;
    if (at + count * SAMPLE_BYTES > buf.length) throw new Error('truncated usage snapshot');
    projects.push({ id, at, count });
    o = at + count * SAMPLE_BYTES;
  }
  const sample = { at: 0 } as UsageSample; // one object reused: no garbage per sample
  for (const p of projects) {
    for (let k = 0; k < p.count; k++) {
      const s = p.at + k * SAMPLE_BYTES;
      sample.at = buf.readDoubleLE(s);
      USAGE_METRICS.forEach((m, i) => (sample[m] = buf.readFloatLE(s + 8 + 4 * i)));
      history.record(p.id, sample);
    }
  }
}

export async function loadHistory(file: string, history: UsageHistory): Promise<void> {
  const buf = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (buf) decodeInto(buf, history);
}

export async function saveHistory(file: string, history: UsageHistory): Promise<void> {
  // No directory fsync: losing the newest snapshot to a power cut costs an hour of samples.
  await writeFileAtomic(file, encodeHistory(history), { mode: 0o600, syncDir: false });
}
