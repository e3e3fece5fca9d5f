import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from 'ssh2';
import { startHost, type VpsHost } from '../rig/hosts';
import { execCommand } from '../../electron/src/core/ssh/exec';

// Fast commands are where ssh2 delivers the exec reply, the output and the exit status in one
// read; the exit status used to be lost there (a succeeded `mkdir -p` came back as "exit null"
// and failed bootstraps at random). Many quick commands in a row make that race show.
describe('exec over a real sshd', () => {
  let host: VpsHost;
  let client: Client;

  beforeAll(async () => {
    host = await startHost();
    client = new Client();
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      client.once('error', reject);
      client.connect({
        host: host.address,
        port: host.port,
        username: 'root',
        privateKey: host.rootPrivateKey,
        hostVerifier: () => true,
      });
    });
  });

  afterAll(async () => {
    client?.end();
    await host?.stop();
  });

  it('reports the exit status of every quick command, even when the client is busy', async () => {
    // A loaded machine: the event loop is often busy, so the server's packets pile up and are
    // parsed in one go, as they were when bootstraps failed on the shared 2-core rig.
    const busy = setInterval(() => {
      const until = Date.now() + 15;
      while (Date.now() < until);
    }, 17);
    const codes: Array<number | null> = [];
    try {
      for (let i = 0; i < 150; i++) codes.push((await execCommand(client, 'true')).code);
    } finally {
      clearInterval(busy);
    }
    expect(codes.filter((c) => c !== 0)).toEqual([]);
  });

  it('reports non-zero statuses and output exactly', async () => {
    const r = await execCommand(client, 'echo out; echo err >&2; exit 3');
    expect(r).toMatchObject({ code: 3, stdout: 'out\n', stderr: 'err\n' });
  });
});
