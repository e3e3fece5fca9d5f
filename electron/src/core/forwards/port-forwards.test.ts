import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { startPortForward, type ForwardHandle } from './port-forwards';
import { RememberedPorts } from './remembered-ports';

const open = () => Promise.resolve(new PassThrough());
const handles: ForwardHandle[] = [];
const blockers: Server[] = [];

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function occupy(port: number): Promise<void> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(port, '127.0.0.1', () => r()));
  blockers.push(s);
}

afterEach(async () => {
  for (const h of handles.splice(0)) await h.close();
  for (const s of blockers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

describe('a stable local port for a forward', () => {
  it('takes the preferred port when it is free', async () => {
    const wanted = await freePort();
    const h = await startPortForward(open, undefined, [wanted]);
    handles.push(h);
    expect(h.localPort).toBe(wanted);
  });

  it('skips taken ports in order, and falls back to any port', async () => {
    const [taken, next] = [await freePort(), await freePort()];
    await occupy(taken);
    const h = await startPortForward(open, undefined, [taken, next]);
    handles.push(h);
    expect(h.localPort).toBe(next);
    const any = await startPortForward(open, undefined, [taken]);
    handles.push(any);
    expect(any.localPort).not.toBe(taken);
    expect(any.localPort).toBeGreaterThan(0);
  });

  it('remembers the port per server and remote port, in a 0600 file that survives a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fwd-'));
    try {
      const file = join(dir, 'forward-ports.json');
      await new RememberedPorts(file).set('s1|27300', 27300);
      await new RememberedPorts(file).set('s1|27301', 40001);
      const again = new RememberedPorts(file);
      expect(again.get('s1|27300')).toBe(27300);
      expect(again.get('s1|27301')).toBe(40001);
      expect(again.get('s2|27300')).toBeUndefined();
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(new RememberedPorts(join(dir, 'missing.json')).get('x')).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
